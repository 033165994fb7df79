"""Backup and restore at scale: the 100,000-case casework database (benchmarks/casework.py's
builder: 15 offices, encrypted free text, themes), plus a storage folder of attachments.

Prints the time to back up (consistent copy, tar, AES-256-GCM in 1 MiB chunks), to verify the
archive without restoring, and to restore it into a new, empty database and storage folder,
with the database and archive sizes and the peak memory of the process; then how long an
upgrade's index build on casework_item takes (migration 0010's, dropped and built again).

    /work/main/.venv/bin/python benchmarks/backup.py [--cases 100000] [--attachments 200]
    VAWG_BENCH_DATABASE_URL=postgresql://.../NAME to run on PostgreSQL (NAME's schema is rebuilt;
    the restore goes into NAME_restored, made and dropped here).

Figures only: this is never part of the test run's pass or fail.
"""

from __future__ import annotations

import argparse
import base64
import os
import resource
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from casework import database_url, load  # noqa: E402  (the 100,000-case builder)
from sqlalchemy import create_engine, func, select, text  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402

from vawg_group import create_app  # noqa: E402
from vawg_group.casework.models import CaseworkItem  # noqa: E402
from vawg_group.extensions import db  # noqa: E402
from vawg_group.ops import backup  # noqa: E402
from vawg_group.ops.archive import parse_keys  # noqa: E402
from vawg_group.people.models import Office  # noqa: E402
from vawg_group.people.offices import LANCASHIRE_OFFICES  # noqa: E402


def empty_target(url: str, workdir: Path) -> str:
    if url.startswith("sqlite"):
        return f"sqlite:///{workdir / 'restored.sqlite'}"
    parsed = make_url(url)
    name = f"{parsed.database}_restored"
    server = create_engine(url, isolation_level="AUTOCOMMIT")
    with server.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    server.dispose()
    return parsed.set(database=name).render_as_string(hide_password=False)


def database_bytes(url: str) -> int:
    if url.startswith("sqlite"):
        return Path(make_url(url).database).stat().st_size
    engine = create_engine(url)
    with engine.connect() as connection:
        size = connection.scalar(text("SELECT pg_database_size(current_database())"))
    engine.dispose()
    return size


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--cases", type=int, default=100_000)
    parser.add_argument("--attachments", type=int, default=200, help="files of 256 KB in the storage folder")
    args = parser.parse_args()
    keys = parse_keys("bench:" + base64.b64encode(os.urandom(32)).decode())

    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        url = database_url(workdir)
        storage = workdir / "storage"
        (storage / "briefings").mkdir(parents=True)
        for n in range(args.attachments):
            (storage / "briefings" / f"{n:04d}.pdf").write_bytes(os.urandom(256 * 1024))
        app = create_app("test", SQLALCHEMY_DATABASE_URI=url, DATABASE_URL=url, STORAGE_DIR=str(storage), LOG_LEVEL="WARNING")
        with app.app_context():
            offices = [Office(constituency=c, division=d) for c, d in LANCASHIRE_OFFICES]
            db.session.add_all(offices)
            db.session.commit()
            seconds = load(args.cases, [o.id for o in offices])
            db.session.remove()
            db.engine.dispose()
        print(
            f"database: {make_url(url).get_backend_name()}; CPUs: {os.cpu_count()}; load average at start: {os.getloadavg()[0]:.1f}"
        )
        print(
            f"built {args.cases:,} cases in {seconds:.1f} s; database {database_bytes(url) / 1e6:,.1f} MB; {args.attachments} attachments of 256 KB"
        )

        archive = workdir / "backup.vawg"
        started = time.perf_counter()
        manifest = backup.make_backup(url, storage, archive, keys)
        made = time.perf_counter() - started
        print(
            f"backup:  {made:6.1f} s  archive {archive.stat().st_size / 1e6:,.1f} MB ({manifest.total_bytes / 1e6:,.1f} MB before encryption)"
        )

        started = time.perf_counter()
        backup.read_archive(archive, keys)
        print(
            f"verify:  {time.perf_counter() - started:6.1f} s  (every chunk authenticated, every member hashed; nothing written)"
        )

        target = empty_target(url, workdir)
        started = time.perf_counter()
        backup.restore(archive, target, workdir / "restored-storage", keys)
        print(f"restore: {time.perf_counter() - started:6.1f} s  (into an empty database and storage folder)")

        restored = create_app(
            "test", SQLALCHEMY_DATABASE_URI=target, DATABASE_URL=target, STORAGE_DIR=str(workdir / "restored-storage")
        )
        with restored.app_context():
            count = db.session.scalar(select(func.count()).select_from(CaseworkItem))
            assert count == args.cases, count
            db.session.remove()
            db.engine.dispose()
        print(
            f"restored database holds all {count:,} cases; peak memory of this process {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:,.0f} MB"
        )
        # What an upgrade's index build costs on this table (docs/upgrades.md): migration 0010's
        # index on casework_item, dropped and built again; writes to the table wait meanwhile.
        engine = create_engine(url)
        with engine.begin() as connection:
            connection.execute(text("DROP INDEX ix_casework_item_office_status"))
        started = time.perf_counter()
        with engine.begin() as connection:
            connection.execute(text("CREATE INDEX ix_casework_item_office_status ON casework_item (office_id, status)"))
        print(f"index build on casework_item (migration 0010's): {time.perf_counter() - started:.2f} s")
        engine.dispose()
        if not target.startswith("sqlite"):
            server = create_engine(url, isolation_level="AUTOCOMMIT")
            with server.connect() as connection:
                connection.execute(text(f'DROP DATABASE "{make_url(target).database}" WITH (FORCE)'))
            server.dispose()


if __name__ == "__main__":
    main()
