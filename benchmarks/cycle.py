"""The meeting cycle's worker job at scale: N meetings planned (9 milestones each), then the
minute-by-minute job run over them.

Prints, in-process on a fresh SQLite file (or VAWG_BENCH_DATABASE_URL, schema rebuilt):
  - planning: milliseconds per meeting (template copy, working days, history lookups);
  - the cycle job (``cycle.run``) when nothing is due: p50/p95 over repeated passes;
  - a pass that fires one milestone per meeting and reminds the owners of overdue ones.

    /work/main/.venv/bin/python benchmarks/cycle.py [--meetings 120] [--passes 50]

Figures only: this is never part of the test run's pass or fail.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time as clock
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import create_engine, text  # noqa: E402

from config import _normalise_database_url  # noqa: E402
from vawg_group import create_app  # noqa: E402
from vawg_group.core import migrate  # noqa: E402
from vawg_group.cycle import planning, tasks, template  # noqa: E402
from vawg_group.extensions import db  # noqa: E402
from vawg_group.meetings import services as meetings  # noqa: E402

START = datetime(2026, 1, 5, 8, 0, tzinfo=UTC)


def database_url(workdir: Path) -> str:
    url = os.environ.get("VAWG_BENCH_DATABASE_URL")
    if url:
        url = _normalise_database_url(url)
        engine = create_engine(url)
        with engine.begin() as connection:
            connection.execute(text("DROP SCHEMA public CASCADE"))
            connection.execute(text("CREATE SCHEMA public"))
        engine.dispose()
    else:
        url = f"sqlite:///{workdir / 'bench.sqlite'}"
    migrate.upgrade(url)
    return url


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--meetings", type=int, default=120)
    parser.add_argument("--passes", type=int, default=50)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as workdir:
        url = database_url(Path(workdir))
        app = create_app("test", SQLALCHEMY_DATABASE_URI=url, DATABASE_URL=url, STORAGE_DIR=workdir)
        with app.app_context():
            template.ensure_template()
            first = date(2026, 3, 3)
            occurrences = [
                meetings.create_one_off(
                    title="VAWG Group",
                    on=first + timedelta(weeks=week),
                    start_time=time(10),
                    end_time=time(11),
                    by=None,
                    now=START,
                )
                for week in range(args.meetings)
            ]
            db.session.commit()
            began = clock.perf_counter()
            for occurrence in occurrences:
                planning.plan(occurrence, now=START)
            db.session.commit()
            planning_ms = (clock.perf_counter() - began) * 1000 / len(occurrences)
            print(f"planning: {planning_ms:.2f} ms per meeting ({len(occurrences)} meetings, 9 milestones each)")

            quiet = []
            for _ in range(args.passes):
                began = clock.perf_counter()
                tasks.run(START)
                db.session.commit()
                quiet.append((clock.perf_counter() - began) * 1000)
            quiet.sort()
            print(
                f"cycle.run with nothing due: p50 {statistics.median(quiet):.1f} ms, p95 {quiet[int(len(quiet) * 0.95) - 1]:.1f} ms"
            )

            # Far enough on that every meeting in the first weeks has work due.
            busy_at = datetime(2026, 2, 20, 9, 30, tzinfo=UTC)
            began = clock.perf_counter()
            counts = tasks.run(busy_at)
            db.session.commit()
            busy = (clock.perf_counter() - began) * 1000
            print(f"cycle.run catching up: {busy:.1f} ms ({counts})")


if __name__ == "__main__":
    main()
