"""The load benchmark's seed helper (benchmarks/http_seed.py) still works: run as http.sh runs
it (production settings, its own process) against the test database, its cases exist, are
encrypted at rest, and its cookies and feed address open the pages the benchmark loads."""

from __future__ import annotations

import base64
import os
import secrets
import subprocess
import sys

from sqlalchemy import func, select, text

from config import PROJECT_ROOT
from vawg_group.casework.models import CaseworkItem
from vawg_group.extensions import db
from vawg_group.people.models import AuthSession, Office

SEED = PROJECT_ROOT / "benchmarks" / "http_seed.py"


def test_the_http_benchmark_seed_makes_encrypted_cases_and_working_sign_ins(app_factory, database_url, tmp_path):
    secret_key = secrets.token_hex(32)
    keys = "bench:" + base64.b64encode(os.urandom(32)).decode("ascii")
    audit_keys = "bench:" + base64.b64encode(os.urandom(32)).decode("ascii")
    environment = {
        **os.environ,
        "VAWG_ENV": "production",
        "VAWG_DATABASE_URL": database_url,
        "VAWG_SECRET_KEY": secret_key,
        "VAWG_ENCRYPTION_KEYS": keys,
        "VAWG_AUDIT_CHAIN_KEYS": audit_keys,
        "VAWG_STORAGE_DIR": str(tmp_path / "storage"),
        "VAWG_LOG_LEVEL": "WARNING",
    }
    completed = subprocess.run(
        [sys.executable, str(SEED), "--cases", "30", "--via-services", "4"],
        env=environment,
        capture_output=True,
        text=True,
        timeout=300,
        cwd=PROJECT_ROOT,
    )
    assert completed.returncode == 0, completed.stderr[-2000:]
    seeded = dict(line.split("=", 1) for line in completed.stdout.splitlines() if "=" in line)

    app = app_factory(SECRET_KEY=secret_key, ENCRYPTION_KEYS=keys, AUDIT_CHAIN_KEYS=audit_keys)
    with app.app_context():
        office = db.session.scalar(select(Office).order_by(Office.id))
        assert db.session.scalar(select(func.count()).select_from(CaseworkItem).where(CaseworkItem.office_id == office.id)) == 30
        # Encrypted at rest under the benchmark's key, and readable through the model.
        stored = db.session.execute(
            text("SELECT summary, ask FROM casework_item WHERE office_id = :office"), {"office": office.id}
        ).all()
        assert len(stored) == 30
        for summary, ask in stored:
            assert summary.startswith("row:bench:") and ask.startswith("row:bench:")
            assert "constituent" not in summary and "division" not in ask
        item = db.session.scalar(select(CaseworkItem).where(CaseworkItem.office_id == office.id).limit(1))
        assert item.summary.startswith("The constituent reports")
        # Four went through the intake service (audited as submissions), the rest in bulk.
        submitted = db.session.scalar(text("SELECT count(*) FROM audit_event WHERE action = 'casework.submitted'"))
        assert submitted == 4
        assert db.session.scalar(select(func.count()).select_from(AuthSession).where(AuthSession.method == "benchmark")) == 2

    member, assistant = app.test_client(), app.test_client()
    member.set_cookie("vawg_session", seeded["MEMBER_COOKIE"])
    assistant.set_cookie("vawg_session", seeded["ASSISTANT_COOKIE"])

    home = member.get(seeded["HOME_PATH"])
    assert home.status_code == 200 and "You are signed in for the Blackburn office" in home.get_data(as_text=True)
    agenda = member.get(seeded["AGENDA_PATH"])
    assert agenda.status_code == 200 and "Sounding board: members&#39; issues" in agenda.get_data(as_text=True)
    casework = assistant.get(seeded["CASEWORK_PATH"])
    assert casework.status_code == 200 and "BEN-NEW-00003" in casework.get_data(as_text=True)
    # The bulk-loaded cases are in the search index too (the seed rebuilds it), for their office only.
    assert assistant.get(seeded["SEARCH_PATH"]).status_code == 200
    search = assistant.get("/search?q=ben&kind=case").get_data(as_text=True)
    assert "30 results" in search  # all 30 of the office's, bulk-loaded and not
    feed = app.test_client().get(seeded["FEED_PATH"])
    assert feed.status_code == 200 and feed.mimetype == "text/calendar"
    assert feed.get_data(as_text=True).count("BEGIN:VEVENT") >= 4
    # Without the cookie the same pages send the visitor to sign in.
    assert app.test_client().get(seeded["CASEWORK_PATH"]).status_code == 302
