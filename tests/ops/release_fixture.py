"""The previous release's demo data, kept as a fixture for the upgrade test (test_upgrade.py).

"The previous release" is the service at commit RELEASE_COMMIT (the schema at revision
RELEASE_REVISION, before the security review's migrations): its own code, migrations and demo
seed, as an operator upgrading from it would have them. The fixture holds every row its demo
seed wrote (SQLite, at that revision), typed so that it loads into SQLite and PostgreSQL alike.

Make it again (needs the git history; a clean clone has it):

    .venv/bin/python tests/ops/release_fixture.py            # writes fixtures/release-0013.json.gz

It unpacks the commit's tree with `git archive` into a temporary folder, runs that tree's own
migrations and `seed_demo` there in a child process, and dumps the rows with ``dump`` below (which
uses nothing but SQLAlchemy, so it runs against any tree).
"""

from __future__ import annotations

import base64
import gzip
import json
import os
import shutil
import subprocess
import sys
import tempfile
from datetime import UTC, date, datetime, time
from pathlib import Path

RELEASE_COMMIT = "d4a4bb6"
RELEASE_REVISION = "0013"
HERE = Path(__file__).resolve().parent
FIXTURE = HERE / "fixtures" / f"release-{RELEASE_REVISION}.json.gz"
# Rows the engines keep for themselves, and SQLite's full-text index (rebuilt by its triggers).
SKIPPED = ("alembic_version", "sqlite_sequence", "search_fts")


def _encode(value):
    if isinstance(value, datetime):
        return {
            "dt": value.replace(tzinfo=None).isoformat()
            if value.tzinfo is None
            else value.astimezone(UTC).replace(tzinfo=None).isoformat()
        }
    if isinstance(value, date):
        return {"d": value.isoformat()}
    if isinstance(value, time):
        return {"t": value.isoformat()}
    if isinstance(value, bytes | memoryview):
        return {"b": base64.b64encode(bytes(value)).decode()}
    if isinstance(value, dict | list):
        return {"j": value}
    return value


def decode(value, *, aware: bool):
    """A fixture value as Python: datetimes in UTC (aware for PostgreSQL's timestamptz)."""
    if not isinstance(value, dict):
        return value
    if "dt" in value:
        parsed = datetime.fromisoformat(value["dt"])
        return parsed.replace(tzinfo=UTC) if aware else parsed
    if "d" in value:
        return date.fromisoformat(value["d"])
    if "t" in value:
        return time.fromisoformat(value["t"])
    if "b" in value:
        return base64.b64decode(value["b"])
    return value["j"]


def dump(url: str, revision: str, commit: str) -> dict:
    from sqlalchemy import MetaData, create_engine, select

    engine = create_engine(url)
    metadata = MetaData()
    metadata.reflect(engine)
    tables = {}
    with engine.connect() as connection:
        for table in metadata.sorted_tables:
            if table.name.startswith(SKIPPED):
                continue
            order = [column for column in table.primary_key.columns] or list(table.columns)
            rows = connection.execute(select(table).order_by(*order)).all()
            if rows:
                tables[table.name] = {
                    "columns": [c.name for c in table.columns],
                    "rows": [[_encode(v) for v in row] for row in rows],
                }
    engine.dispose()
    return {"commit": commit, "revision": revision, "tables": tables}


def _seed_and_dump(tree: str, out: str, commit: str) -> None:
    """Runs in the child process, with the old tree first on sys.path."""
    sys.path.insert(0, tree)
    from vawg_group import create_app
    from vawg_group.core import migrate
    from vawg_group.demo.seed import seed_demo
    from vawg_group.extensions import db

    workdir = Path(tempfile.mkdtemp())
    url = f"sqlite:///{workdir / 'release.sqlite'}"
    migrate.upgrade(url)
    app = create_app(
        "development",
        SQLALCHEMY_DATABASE_URI=url,
        DATABASE_URL=url,
        STORAGE_DIR=str(workdir / "storage"),
        DEVMAIL_DIR=str(workdir / "mail"),
    )
    with app.app_context():
        revision = migrate.heads(url)[0]
        seed_demo()
        db.session.commit()
        db.session.remove()
        db.engine.dispose()
    data = dump(url, revision, commit)
    with gzip.open(out, "wt", encoding="utf-8") as handle:
        json.dump(data, handle, separators=(",", ":"), sort_keys=True)
    shutil.rmtree(workdir)


def build() -> None:
    root = HERE.parent.parent
    with tempfile.TemporaryDirectory() as tree:
        archive = subprocess.run(["git", "-C", str(root), "archive", RELEASE_COMMIT], capture_output=True, check=True).stdout
        subprocess.run(["tar", "-x", "-C", tree], input=archive, check=True)
        dist = root / "vawg_group" / "static" / "dist"
        if dist.exists():  # the stylesheet is built, not committed; the demo's PDFs link it
            shutil.copytree(dist, Path(tree) / "vawg_group" / "static" / "dist")
        FIXTURE.parent.mkdir(exist_ok=True)
        env = {**os.environ, "VAWG_ENV": "development", "PYTHONPATH": tree}
        code = f"import sys; sys.path.insert(0, {str(HERE)!r}); import release_fixture as f; f._seed_and_dump({tree!r}, {str(FIXTURE)!r}, {RELEASE_COMMIT!r})"
        subprocess.run([sys.executable, "-c", code], env=env, cwd=tree, check=True)
    print(f"wrote {FIXTURE} ({FIXTURE.stat().st_size:,} bytes)")


if __name__ == "__main__":
    build()
