"""The dependency audit's decisions (scripts/audit-dependencies.sh), against stand-in services.

A loopback HTTP server plays OSV (POST /v1/query) and the npm registry's bulk advisory endpoint;
the script runs as CI runs it. What must hold: a finding fails the build; a service that cannot
be reached, or that answers but cannot look packages up (the canary pin shows nothing), never
passes silently: it prints "DEPENDENCY AUDIT COULD NOT RUN" with the reason.
"""

from __future__ import annotations

import gzip
import json
import os
import socket
import subprocess
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

PROJECT_ROOT = Path(__file__).resolve().parents[2]
SCRIPT = PROJECT_ROOT / "scripts" / "audit-dependencies.sh"


def _osv_vuln(name: str, vuln_id: str, fixed: str) -> dict:
    return {
        "id": vuln_id,
        "summary": f"Stand-in advisory for {name}",
        "affected": [
            {
                "package": {"name": name, "ecosystem": "PyPI"},
                "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"fixed": fixed}]}],
            }
        ],
    }


class StandIn:
    """What the stand-in knows and what it was asked.

    ``python_vulns`` maps "name" (every version) or "name==version" to an OSV entry.
    """

    def __init__(self):
        self.python_vulns: dict[str, dict] = {}
        self.npm_advisories: dict[str, list] = {}
        self.osv_queries: list[dict] = []
        self.npm_queries: list[dict] = []
        self.osv_status = 200


@pytest.fixture
def stand_in():
    state = StandIn()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):  # noqa: N802 - http.server's name
            raw = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            if self.headers.get("Content-Encoding") == "gzip":  # npm compresses its bulk query
                raw = gzip.decompress(raw)
            body = json.loads(raw or b"{}")
            if self.path == "/v1/query":
                state.osv_queries.append(body)
                if state.osv_status != 200:
                    return self._answer(state.osv_status, {})
                name = body["package"]["name"]
                vuln = state.python_vulns.get(f"{name}=={body['version']}") or state.python_vulns.get(name)
                return self._answer(200, {"vulns": [vuln]} if vuln else {})
            if self.path.endswith("/-/npm/v1/security/advisories/bulk"):
                state.npm_queries.append(body)
                return self._answer(200, {n: a for n, a in state.npm_advisories.items() if n in body})
            self._answer(404, {})

        def _answer(self, status, payload):
            data = json.dumps(payload).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    state.url = f"http://127.0.0.1:{server.server_address[1]}"
    yield state
    server.shutdown()
    server.server_close()


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def run_audit(**settings) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith("VAWG_AUDIT_")}
    env.update(PYTHON=sys.executable, VAWG_AUDIT_SERVICES="osv", VAWG_AUDIT_TIMEOUT="5", **settings)
    return subprocess.run(["bash", str(SCRIPT)], capture_output=True, text=True, env=env, timeout=300)


CANARY = {"jinja2==2.10": _osv_vuln("jinja2", "GHSA-canary-jinja2", "2.10.1")}


def test_a_service_that_knows_the_canary_and_nothing_else_passes(stand_in):
    stand_in.python_vulns.update(CANARY)
    result = run_audit(VAWG_AUDIT_OSV_URL=stand_in.url + "/v1/query", VAWG_AUDIT_NPM_REGISTRY=stand_in.url + "/")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "COULD NOT RUN" not in result.stdout
    assert "Python packages: no known vulnerabilities" in result.stdout
    assert "npm packages: no known vulnerabilities" in result.stdout
    # It asked about what is really installed (flask among them) and about govuk-frontend.
    asked = {q["package"]["name"] for q in stand_in.osv_queries}
    assert {"jinja2", "flask", "sqlalchemy", "weasyprint"} <= asked
    assert any("govuk-frontend" in q for q in stand_in.npm_queries)
    # Dev-only npm packages are not part of what we ship.
    assert not any("sass" in q for q in stand_in.npm_queries)


def test_a_known_python_vulnerability_fails_the_build(stand_in):
    stand_in.python_vulns.update(CANARY)
    stand_in.python_vulns["flask"] = _osv_vuln("flask", "GHSA-stand-in-flask", "99.0")
    result = run_audit(VAWG_AUDIT_OSV_URL=stand_in.url + "/v1/query", VAWG_AUDIT_NPM="off")
    assert result.returncode == 1, result.stdout + result.stderr
    assert "GHSA-stand-in-flask" in result.stdout
    assert "fixed in 99.0" in result.stdout
    assert "Dependency audit FAILED" in result.stdout


def test_a_known_npm_vulnerability_fails_the_build(stand_in):
    stand_in.python_vulns.update(CANARY)
    stand_in.npm_advisories["govuk-frontend"] = [
        {
            "id": 1999001,
            "url": "https://example.invalid/advisories/1999001",
            "title": "Stand-in advisory for govuk-frontend",
            "severity": "high",
            "vulnerable_versions": "<99.0.0",
            "cwe": [],
            "cvss": {"score": 7.5, "vectorString": None},
        }
    ]
    result = run_audit(VAWG_AUDIT_OSV_URL=stand_in.url + "/v1/query", VAWG_AUDIT_NPM_REGISTRY=stand_in.url + "/")
    assert result.returncode == 1, result.stdout + result.stderr
    assert "govuk-frontend (high): Stand-in advisory for govuk-frontend" in result.stdout


def test_unreachable_services_are_reported_loudly_and_do_not_fail(stand_in):
    port = _closed_port()
    result = run_audit(
        VAWG_AUDIT_OSV_URL=f"http://127.0.0.1:{port}/v1/query", VAWG_AUDIT_NPM_REGISTRY=f"http://127.0.0.1:{port}/"
    )
    assert result.returncode == 0, result.stdout + result.stderr
    lines = result.stdout.splitlines()
    python_line = next(line for line in lines if line.startswith("DEPENDENCY AUDIT COULD NOT RUN: Python packages"))
    assert "osv service could not be reached" in python_line
    npm_line = next(line for line in lines if line.startswith("DEPENDENCY AUDIT COULD NOT RUN: npm packages"))
    assert "ECONNREFUSED" in npm_line
    assert "Dependency audit incomplete" in result.stdout


def test_a_service_that_cannot_see_the_canary_is_not_trusted(stand_in):
    """The false pass the canary exists for: a service answering "nothing known" for everything."""
    result = run_audit(VAWG_AUDIT_OSV_URL=stand_in.url + "/v1/query", VAWG_AUDIT_NPM="off")
    assert result.returncode == 0
    assert "DEPENDENCY AUDIT COULD NOT RUN: Python packages: the osv service reported nothing for jinja2==2.10" in result.stdout
    assert "no known vulnerabilities" not in result.stdout
    # Only the canary was asked: the environment was never "audited" by a blind service.
    assert [q["package"]["name"] for q in stand_in.osv_queries] == ["jinja2"]


def test_a_service_failing_during_the_audit_is_reported_not_passed(stand_in):
    class BreaksAfterTheCanary(dict):
        """Answers the canary, then the service breaks: every later query gets a 503."""

        def get(self, key, default=None):
            if key in CANARY:
                return CANARY[key]
            stand_in.osv_status = 503
            return default

    stand_in.python_vulns = BreaksAfterTheCanary()
    result = run_audit(VAWG_AUDIT_OSV_URL=stand_in.url + "/v1/query", VAWG_AUDIT_NPM="off")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "DEPENDENCY AUDIT COULD NOT RUN: Python packages: the osv service failed during the audit" in result.stdout
