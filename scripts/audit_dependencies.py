"""Audit the installed Python packages (pip-audit) and the npm production dependencies.

Run by scripts/audit-dependencies.sh (CI runs it before the tests). The outcome is one of:

- pass: the vulnerability service answered, and it knows of no vulnerability in what we ship;
- fail (exit 1): it answered and named at least one known vulnerability;
- "DEPENDENCY AUDIT COULD NOT RUN: <reason>" (exit 0): no service could be asked, or the one
  that answered could not look our packages up. Printed loudly, never mistaken for a pass.

Why a canary: a service that cannot resolve packages does not fail. ``pip-audit -s pypi``
asks ``https://pypi.org/pypi/<name>/<version>/json``; behind a registry mirror that answers only
``/pypi/<name>/json`` every package comes back "not found on PyPI" and pip-audit reports "No
known vulnerabilities found" with exit 0. So each service is first asked about a pin with
well-known advisories (``jinja2==2.10``, CVE-2019-10906 among others): a service that does
not report it is not trusted to audit anything else.

Settings (environment):
  VAWG_AUDIT_SERVICES   pip-audit services to try in order (default "pypi,osv"); the first
                        whose canary is found audits the environment
  VAWG_AUDIT_OSV_URL    the OSV query URL (default: pip-audit's, https://api.osv.dev/v1/query)
  VAWG_AUDIT_TIMEOUT    seconds per request (default 15)
  VAWG_AUDIT_NPM        "off" to skip the npm audit
  VAWG_AUDIT_NPM_REGISTRY  the npm registry to ask (default: npm's own setting)
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
CANARY = "jinja2==2.10"
COULD_NOT_RUN = "DEPENDENCY AUDIT COULD NOT RUN"


@dataclass
class Outcome:
    """What one audit found: "pass", "fail" or "not-run", with the lines to print."""

    status: str
    lines: list[str]


def _env(name: str, default: str) -> str:
    return os.environ.get(name, default).strip() or default


def _pip_audit(args: list[str], workdir: Path) -> tuple[dict | None, str]:
    """Run pip-audit (the one installed with this Python); its JSON report, or None and why."""
    output = workdir / "report.json"
    output.unlink(missing_ok=True)
    command = [
        sys.executable,
        "-m",
        "pip_audit",
        "--format",
        "json",
        "--output",
        str(output),
        "--progress-spinner",
        "off",
        "--cache-dir",
        str(workdir / "cache"),
        "--timeout",
        _env("VAWG_AUDIT_TIMEOUT", "15"),
        *args,
    ]
    osv_url = os.environ.get("VAWG_AUDIT_OSV_URL", "").strip()
    if osv_url and "osv" in args:
        command += ["--osv-url", osv_url]
    completed = subprocess.run(command, capture_output=True, text=True, cwd=PROJECT_ROOT)
    if not output.exists():
        # pip-audit stopped before writing a report: a connection or service error.
        return None, _last_line(completed.stderr) or f"pip-audit exited with {completed.returncode}"
    try:
        return json.loads(output.read_text()), ""
    except json.JSONDecodeError as error:
        return None, f"pip-audit wrote an unreadable report ({error})"


def _last_line(text: str) -> str:
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    return lines[-1][:300] if lines else ""


def _findings(report: dict) -> list[str]:
    found = []
    for dependency in report.get("dependencies", []):
        for vuln in dependency.get("vulns", []):
            fixes = ", ".join(vuln.get("fix_versions", [])) or "no fixed version"
            found.append(f"{dependency['name']} {dependency.get('version', '?')}: {vuln['id']} (fixed in {fixes})")
    return found


def _skipped(report: dict) -> list[str]:
    return [f"{d['name']}: {d['skip_reason']}" for d in report.get("dependencies", []) if d.get("skip_reason")]


def canary_check(service: str, workdir: Path) -> str:
    """'' if ``service`` reports the canary's known vulnerabilities, else why it cannot be trusted."""
    requirements = workdir / "canary.txt"
    requirements.write_text(CANARY + "\n")
    report, error = _pip_audit(
        ["--vulnerability-service", service, "--no-deps", "--disable-pip", "-r", str(requirements)], workdir
    )
    if report is None:
        return f"the {service} service could not be reached ({error})"
    if _findings(report):
        return ""
    skipped = _skipped(report)
    if skipped:
        return f"the {service} service could not look packages up ({skipped[0]})"
    return f"the {service} service reported nothing for {CANARY}, which has published advisories"


def audit_python(workdir: Path) -> Outcome:
    services = [s.strip() for s in _env("VAWG_AUDIT_SERVICES", "pypi,osv").split(",") if s.strip()]
    reasons = []
    for service in services:
        reason = canary_check(service, workdir)
        if reason:
            reasons.append(reason)
            continue
        # The service works: audit everything installed. --strict: a package pip-audit cannot
        # collect stops the run (reported below, never a pass). Our own project is audited
        # too (it is not on PyPI, so a service has nothing on it): --skip-editable would
        # count as a collection failure under --strict.
        report, error = _pip_audit(["--vulnerability-service", service, "--strict"], workdir)
        if report is None:
            return Outcome(
                "not-run", [f"{COULD_NOT_RUN}: Python packages: the {service} service failed during the audit ({error})"]
            )
        findings = _findings(report)
        dependencies = report.get("dependencies", [])
        skipped = _skipped(report)
        if findings:
            return Outcome(
                "fail", [f"Python packages: {len(findings)} known vulnerabilities ({service}):", *(f"  {f}" for f in findings)]
            )
        if dependencies and len(skipped) == len(dependencies):
            return Outcome(
                "not-run", [f"{COULD_NOT_RUN}: Python packages: the {service} service could look none of them up ({skipped[0]})"]
            )
        lines = [f"Python packages: no known vulnerabilities in {len(dependencies) - len(skipped)} packages ({service})."]
        if skipped:
            lines.append(f"  Not audited ({len(skipped)}):")
            lines += [f"    {s}" for s in skipped]
        return Outcome("pass", lines)
    return Outcome("not-run", [f"{COULD_NOT_RUN}: Python packages: " + "; ".join(reasons or ["no service configured"])])


def audit_npm() -> Outcome:
    if _env("VAWG_AUDIT_NPM", "on").lower() == "off":
        return Outcome("pass", ["npm packages: audit switched off (VAWG_AUDIT_NPM=off)."])
    command = ["npm", "audit", "--omit=dev", "--json", "--fetch-retries=0"]
    registry = os.environ.get("VAWG_AUDIT_NPM_REGISTRY", "").strip()
    if registry:
        command.append(f"--registry={registry}")
    try:
        completed = subprocess.run(command, capture_output=True, text=True, cwd=PROJECT_ROOT, timeout=300)
    except (OSError, subprocess.TimeoutExpired) as error:
        return Outcome("not-run", [f"{COULD_NOT_RUN}: npm packages: {error}"])
    try:
        report = json.loads(completed.stdout)
    except json.JSONDecodeError:
        reason = _last_line(completed.stderr) or f"npm audit exited with {completed.returncode}"
        return Outcome("not-run", [f"{COULD_NOT_RUN}: npm packages: {reason}"])
    if "error" in report or "metadata" not in report:
        # npm answers {"message": ..., "error": ...} when the audit endpoint fails.
        return Outcome("not-run", [f"{COULD_NOT_RUN}: npm packages: {report.get('message', 'the audit endpoint failed')}"])
    counts = report["metadata"].get("vulnerabilities", {})
    total = counts.get("total", sum(v for k, v in counts.items() if k != "total"))
    if total:
        lines = [f"npm packages: {total} known vulnerabilities:"]
        for name, entry in sorted(report.get("vulnerabilities", {}).items()):
            titles = [v.get("title", v.get("url", "")) for v in entry.get("via", []) if isinstance(v, dict)]
            lines.append(
                f"  {name} ({entry.get('severity', '?')}): {'; '.join(titles) or 'via ' + ', '.join(map(str, entry.get('via', [])))}"
            )
        return Outcome("fail", lines)
    audited = report["metadata"].get("dependencies", {})
    size = audited.get("prod", audited.get("total", "?")) if isinstance(audited, dict) else audited
    return Outcome("pass", [f"npm packages: no known vulnerabilities ({size} production packages)."])


def main() -> int:
    with tempfile.TemporaryDirectory(prefix="vawg-audit-") as tmp:
        outcomes = [audit_python(Path(tmp)), audit_npm()]
    for outcome in outcomes:
        for line in outcome.lines:
            if line.startswith(COULD_NOT_RUN):
                print("!" * 78)
                print(line)
                print("!" * 78)
            else:
                print(line)
    if any(o.status == "fail" for o in outcomes):
        print("Dependency audit FAILED: upgrade the packages above (or record why a finding does not apply).")
        return 1
    if any(o.status == "not-run" for o in outcomes):
        print("Dependency audit incomplete (see above); not failing the build for it.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
