"""The deployment files (deploy/) pass their own checkers and agree with the app: the systemd
units with `systemd-analyze verify` and the hardening the issue asks for, the nginx site with
`nginx -t` (a throwaway certificate, a prefix in tmp) and the app's upload limit, and the
container files with the code they copy (#21, item 5). scripts/install-system-deps.sh
--test-tools installs nginx and systemd for these (the Makefile's test-system-deps)."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import trustme
import yaml

from config import PROJECT_ROOT, Config

DEPLOY = PROJECT_ROOT / "deploy"
UNITS = ("vawg-web.service", "vawg-worker.service")
HARDENING = {
    "NoNewPrivileges": "yes",
    "ProtectSystem": "strict",
    "PrivateTmp": "yes",
    "ProtectHome": "yes",
    "User": "vawg",
    "Group": "vawg",
    "CapabilityBoundingSet": "",
}


def unit_settings(text: str) -> dict[str, list[str]]:
    settings: dict[str, list[str]] = {}
    for line in text.splitlines():
        if "=" in line and not line.startswith(("#", "[")):
            key, _, value = line.partition("=")
            settings.setdefault(key.strip(), []).append(value.strip())
    return settings


def verify_units(folder: Path, texts: dict[str, str]) -> subprocess.CompletedProcess:
    """`systemd-analyze verify` on the units with their paths moved to this checkout (it checks
    that each command exists); any warning on stderr counts as a failure."""
    venv_bin = Path(sys.executable).parent
    for name, text in texts.items():
        text = text.replace("/srv/vawg_group/.venv/bin", str(venv_bin)).replace("/srv/vawg_group", str(PROJECT_ROOT))
        (folder / name).write_text(text)
    return subprocess.run(
        ["systemd-analyze", "verify", *(str(folder / name) for name in texts)],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=folder,
    )


def test_the_systemd_units_verify_and_are_hardened(tmp_path):
    texts = {name: (DEPLOY / "systemd" / name).read_text() for name in UNITS}
    result = verify_units(tmp_path, texts)
    assert result.returncode == 0 and result.stderr.strip() == "", result.stderr

    storage = re.search(r"^VAWG_STORAGE_DIR=(.+)$", (DEPLOY / "vawg.env.example").read_text(), re.M).group(1)
    for name, text in texts.items():
        settings = unit_settings(text)
        for key, value in HARDENING.items():
            assert settings.get(key) == [value], (name, key, settings.get(key))
        writable = " ".join(settings["ReadWritePaths"]).split()
        assert any(storage.startswith(path.rstrip("/") + "/") for path in writable), (name, writable)
        assert settings["EnvironmentFile"] == ["/etc/vawg_group.env"]
    assert "gunicorn -c config/gunicorn.conf.py wsgi:app" in texts["vawg-web.service"]
    assert "flask --app vawg_group worker" in texts["vawg-worker.service"]


def test_the_unit_check_is_not_blind_to_a_mistyped_setting(tmp_path):
    text = (DEPLOY / "systemd" / "vawg-web.service").read_text().replace("ProtectSystem=strict", "ProtectSystem=strikt")
    result = verify_units(tmp_path, {"vawg-web.service": text})
    assert "ProtectSystem" in result.stderr or "protect system" in result.stderr.lower()


def nginx_check(folder: Path, site: str) -> subprocess.CompletedProcess:
    ca = trustme.CA()
    cert = ca.issue_cert("vawg.example.org")
    cert.private_key_and_cert_chain_pem.write_to_path(str(folder / "chain.pem"))
    cert.private_key_pem.write_to_path(str(folder / "key.pem"))
    site = (
        site.replace("/etc/ssl/vawg/fullchain.pem", str(folder / "chain.pem"))
        .replace("/etc/ssl/vawg/privkey.pem", str(folder / "key.pem"))
        .replace("/etc/nginx/vawg_proxy_headers.conf", str(DEPLOY / "nginx" / "vawg_proxy_headers.conf"))
    )
    (folder / "site.conf").write_text(site)
    temp = " ".join(f"{kind}_temp_path {folder / kind};" for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"))
    (folder / "nginx.conf").write_text(
        f"pid {folder / 'nginx.pid'};\nerror_log {folder / 'error.log'};\nevents {{}}\n"
        f"http {{\n  {temp}\n  access_log off;\n  include {folder / 'site.conf'};\n}}\n"
    )
    return subprocess.run(
        ["nginx", "-t", "-p", str(folder), "-c", str(folder / "nginx.conf")], capture_output=True, text=True, timeout=60
    )


def test_the_nginx_site_passes_nginx_t_with_tls_proxy_headers_and_the_apps_upload_limit(tmp_path):
    site = (DEPLOY / "nginx" / "vawg.conf").read_text()
    result = nginx_check(tmp_path, site)
    assert result.returncode == 0, result.stderr
    assert "test is successful" in result.stderr

    limit = re.search(r"client_max_body_size\s+(\d+)([kKmM]?);", site)
    number, unit = int(limit.group(1)), limit.group(2).lower()
    assert number * {"": 1, "k": 1024, "m": 1024 * 1024}[unit] == Config.MAX_CONTENT_LENGTH
    assert re.search(r"listen 443 ssl", site) and "return 301 https://" in site
    headers = (DEPLOY / "nginx" / "vawg_proxy_headers.conf").read_text()
    for header in ("X-Forwarded-For $remote_addr", "X-Forwarded-Proto $scheme", "Host $host", "X-Request-Id $request_id"):
        assert f"proxy_set_header {header};" in headers
    # The app trusts exactly the one proxy hop nginx is.
    assert "VAWG_TRUSTED_PROXY_HOPS=1" in (DEPLOY / "vawg.env.example").read_text()

    broken = nginx_check(tmp_path, site.replace("client_max_body_size 10m;", "client_max_body_size ten;"))
    assert broken.returncode != 0


def test_the_container_files_copy_what_exists_and_run_web_worker_and_postgresql():
    containerfile = (DEPLOY / "Containerfile").read_text()
    for line in containerfile.splitlines():
        if line.startswith("COPY ") and "--from=" not in line:
            for source in line.split()[1:-1]:
                assert (PROJECT_ROOT / source).exists(), source
    script = (PROJECT_ROOT / "scripts" / "install-system-deps.sh").read_text()
    runtime = re.search(r"^packages=\(([^)]*)\)", script, re.M).group(1).split()
    for package in runtime:
        assert package in containerfile, package
    compose = yaml.safe_load((DEPLOY / "compose.yaml").read_text())
    services = compose["services"]
    assert {"postgres", "migrate", "web", "worker"} <= set(services)
    server = re.search(r"postgres:(\d+)-", services["postgres"]["image"]).group(1)
    assert f"postgresql-client-{server}" in containerfile  # backup's pg_dump matches the server
    assert services["worker"]["command"] == ["flask", "--app", "vawg_group", "worker"]
    assert services["migrate"]["command"] == ["flask", "--app", "vawg_group", "db-upgrade"]
    for name in ("web", "worker"):
        assert services[name]["build"]["dockerfile"] == "deploy/Containerfile"
        assert services[name]["depends_on"]["migrate"]["condition"] == "service_completed_successfully"
        assert "storage:/var/lib/vawg_group" in services[name]["volumes"]
