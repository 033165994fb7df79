"""Casework at scale: 100,000 cases across 15 offices.

Prints, in-process (Flask test client, no network):
  - an office's list page, 50 a page: p50/p95/max latency over random pages;
  - the OPCC triage queue, 50 a page: the same;
  - the cost of field encryption: inserting rows with encrypted free text against the same
    rows with the text stored plain (a ratio), and the time per value to encrypt and decrypt.

    /work/main/.venv/bin/python benchmarks/casework.py [--cases 100000] [--requests 200]
    VAWG_BENCH_DATABASE_URL=postgresql://... to run against PostgreSQL (the schema is rebuilt).

Figures only: this is never part of the test run's pass or fail.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import tempfile
import time
import uuid
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import MetaData, Table, create_engine, delete, event, insert, select, text  # noqa: E402
from sqlalchemy.orm import Session  # noqa: E402

from config import _normalise_database_url  # noqa: E402
from vawg_group import create_app  # noqa: E402
from vawg_group.casework.crypto import keyring  # noqa: E402
from vawg_group.casework.models import THEMES, CaseworkItem, CaseworkTheme, Status  # noqa: E402
from vawg_group.casework.sealed import insert_sealed  # noqa: E402
from vawg_group.core import migrate  # noqa: E402
from vawg_group.core.clock import utcnow  # noqa: E402
from vawg_group.extensions import db  # noqa: E402
from vawg_group.people.models import Office, User  # noqa: E402
from vawg_group.people.offices import LANCASHIRE_OFFICES  # noqa: E402

SUMMARY = (
    "The constituent reports repeated unwanted contact after the relationship ended, including "
    "messages late at night and visits to her workplace; she reported it to the police last month "
    "and has not heard back about what happens next."
)
ASK = "Please ask the division whether the report has been allocated and when she will be contacted."
# Roughly how a year or two of casework would sit: most closed, the rest spread over the queue.
STATUS_WEIGHTS = [
    (Status.SUBMITTED, 4),
    (Status.ACKNOWLEDGED, 6),
    (Status.IN_PROGRESS, 10),
    (Status.REFERRED, 6),
    (Status.AWAITING_RESPONSE, 6),
    (Status.RESOLVED, 8),
    (Status.CLOSED, 60),
]
BATCH = 2000


def percentile(values, fraction):
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(fraction * (len(ordered) - 1))))
    return ordered[index]


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


def case_rows(count: int, office_ids: list[int], rng: random.Random, *, start_token: int = 0) -> list[dict]:
    statuses = [s for s, _ in STATUS_WEIGHTS]
    weights = [w for _, w in STATUS_WEIGHTS]
    now = utcnow()
    rows = []
    for n in range(count):
        status = rng.choices(statuses, weights)[0]
        submitted = now - timedelta(minutes=rng.randrange(0, 2 * 365 * 24 * 60))
        rows.append(
            dict(
                office_id=office_ids[n % len(office_ids)],
                reference=f"BEN-{n + start_token:06d}",
                summary=SUMMARY,
                ask=ASK,
                agency="constabulary_south",
                agency_other=None,
                consent_to_share=True,
                may_raise_anonymised=bool(n % 2),
                status=status.value,
                submitted_dt=submitted,
                updated_dt=submitted,
                closed_dt=submitted + timedelta(days=30) if status is Status.CLOSED else None,
                legal_hold=False,
                submission_token=f"bench-{n + start_token}",
                screening_confirmed=[],
            )
        )
    return rows


def load(count: int, office_ids: list[int]) -> float:
    rng = random.Random(7)
    theme_codes = [code for code, _ in THEMES]
    started = time.perf_counter()
    for start in range(0, count, BATCH):
        rows = case_rows(min(BATCH, count - start), office_ids, rng, start_token=start)
        # Core executemany, each value sealed to its row as a flush would (casework/sealed.py).
        ids = insert_sealed(db.session, CaseworkItem.__table__, rows)
        themes = []
        for item_id in ids:
            for code in rng.sample(theme_codes, rng.choice((1, 1, 2))):
                themes.append({"item_id": item_id, "theme": code})
        db.session.execute(insert(CaseworkTheme.__table__), themes)
        db.session.commit()
    return time.perf_counter() - started


def encryption_ratio(office_ids: list[int], rows_count: int, repeats: int = 3) -> tuple[float, float, float]:
    """(encrypted seconds, plain seconds) for inserting ``rows_count`` rows, best of ``repeats``."""
    rng = random.Random(11)
    plain_table = Table("casework_item", MetaData(), autoload_with=db.engine)  # TEXT columns: no encryption
    timings = {"encrypted": [], "plain": []}
    for repeat in range(repeats):
        for kind, table in (("encrypted", CaseworkItem.__table__), ("plain", plain_table)):
            rows = case_rows(
                rows_count,
                office_ids,
                rng,
                start_token=10_000_000 + repeat * rows_count * 2 + (rows_count if kind == "plain" else 0),
            )
            for row in rows:
                row["reference"] = "RATIO-" + uuid.uuid4().hex[:12]
            started = time.perf_counter()
            with Session(db.engine) as session, session.begin():
                for start in range(0, rows_count, BATCH):
                    batch = rows[start : start + BATCH]
                    if kind == "encrypted":
                        insert_sealed(session, table, batch)  # sealed to each row: INSERT, then UPDATE
                    else:
                        session.execute(insert(table), batch)
            timings[kind].append(time.perf_counter() - started)
            with db.engine.begin() as connection:
                connection.execute(delete(plain_table).where(plain_table.c.reference.like("RATIO-%")))
    return min(timings["encrypted"]), min(timings["plain"]), 0.0


def per_value_costs(samples: int = 20000) -> tuple[float, float]:
    ring = keyring()
    started = time.perf_counter()
    stored = [ring.encrypt(SUMMARY, "casework_item.summary") for _ in range(samples)]
    encrypt_us = (time.perf_counter() - started) / samples * 1e6
    started = time.perf_counter()
    for value in stored:
        ring.decrypt(value, "casework_item.summary")
    decrypt_us = (time.perf_counter() - started) / samples * 1e6
    return encrypt_us, decrypt_us


def sign_in(client, email: str) -> None:
    page = client.get("/demo/sign-in").get_data(as_text=True)
    token = page.split('name="csrf_token" type="hidden" value="')[1].split('"')[0]
    response = client.post("/demo/sign-in", data={"email": email, "csrf_token": token})
    assert response.status_code == 302, response.status_code


class SqlClock:
    """Time spent inside the database driver, so figures can be read apart from CPU contention."""

    def __init__(self, engine):
        self.total = 0.0
        event.listen(engine, "before_cursor_execute", self._before)
        event.listen(engine, "after_cursor_execute", self._after)

    def _before(self, conn, cursor, statement, params, context, executemany):
        conn.info["bench_started"] = time.perf_counter()

    def _after(self, conn, cursor, statement, params, context, executemany):
        self.total += time.perf_counter() - conn.info.pop("bench_started", time.perf_counter())


def time_pages(client, sql: SqlClock, pages: int, requests: int, rng: random.Random, extra: str = "") -> tuple[list[float], ...]:
    """Wall time per request, time inside the database driver, and this process's CPU time
    (the last is what a request costs when it does not have to wait for a busy CPU)."""
    timings, sql_timings, cpu_timings = [], [], []
    for _ in range(requests):
        page = rng.randint(1, pages)
        sql_before = sql.total
        started, cpu_started = time.perf_counter(), time.process_time()
        response = client.get(f"/casework/?page={page}{extra}")
        timings.append((time.perf_counter() - started) * 1000)
        cpu_timings.append((time.process_time() - cpu_started) * 1000)
        sql_timings.append((sql.total - sql_before) * 1000)
        assert response.status_code == 200, response.status_code
    return timings, sql_timings, cpu_timings


def report(label: str, measured: tuple[list[float], list[float]]) -> None:
    timings, sql_timings, cpu_timings = measured
    print(
        f"{label:<42} n={len(timings):<4} p50={statistics.median(timings):6.1f} ms  "
        f"p95={percentile(timings, 0.95):6.1f} ms  max={max(timings):6.1f} ms  "
        f"(CPU p95 {percentile(cpu_timings, 0.95):5.1f} ms, database p95 {percentile(sql_timings, 0.95):5.1f} ms)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--cases", type=int, default=100_000)
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--ratio-rows", type=int, default=10_000)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as workdir:
        url = database_url(Path(workdir))
        app = create_app("test", SQLALCHEMY_DATABASE_URI=url, DATABASE_URL=url, STORAGE_DIR=workdir, LOG_LEVEL="WARNING")
        import logging

        logging.getLogger("vawg_group.request").setLevel(logging.WARNING)
        with app.app_context():
            offices = []
            for constituency, division in LANCASHIRE_OFFICES:
                office = Office(constituency=constituency, division=division)
                db.session.add(office)
                offices.append(office)
            db.session.flush()
            office_ids = [o.id for o in offices]
            assistant = User(
                email="bench.assistant@parliament.example",
                display_name="Bench Assistant",
                role="assistant",
                office_id=office_ids[0],
            )
            staff = User(email="bench.staff@opcc.example", display_name="Bench Officer", role="opcc_staff")
            db.session.add_all([assistant, staff])
            db.session.commit()

            print(f"database: {db.engine.dialect.name}; CPUs: {os.cpu_count()}; load average at start: {os.getloadavg()[0]:.1f}")
            seconds = load(args.cases, office_ids)
            print(
                f"loaded {args.cases:,} cases across {len(office_ids)} offices in {seconds:.1f} s ({args.cases / seconds:,.0f} cases/s, encrypted)"
            )

            encrypted, plain, _ = encryption_ratio(office_ids, args.ratio_rows)
            print(
                f"insert {args.ratio_rows:,} rows: encrypted {encrypted:.2f} s, plain {plain:.2f} s, "
                f"ratio {encrypted / plain:.2f}x (best of 3)"
            )
            encrypt_us, decrypt_us = per_value_costs()
            print(f"AES-256-GCM per {len(SUMMARY)}-character value: encrypt {encrypt_us:.1f} us, decrypt {decrypt_us:.1f} us")

            sql = SqlClock(db.engine)
            office_total = db.session.scalar(
                select(db.func.count()).select_from(CaseworkItem).where(CaseworkItem.office_id == office_ids[0])
            )
            open_total = db.session.scalar(
                select(db.func.count()).select_from(CaseworkItem).where(CaseworkItem.status != "closed")
            )
            db.session.remove()

        rng = random.Random(3)
        office_client = app.test_client()
        sign_in(office_client, "bench.assistant@parliament.example")
        office_client.get("/casework/")  # warm templates
        report(
            f"office list ({office_total:,} cases, {-(-office_total // 50)} pages)",
            time_pages(office_client, sql, -(-office_total // 50), args.requests, rng),
        )
        report("office list, first 5 pages", time_pages(office_client, sql, 5, args.requests, rng))

        staff_client = app.test_client()
        sign_in(staff_client, "bench.staff@opcc.example")
        staff_client.get("/casework/")
        report(
            f"triage queue ({open_total:,} open, {-(-open_total // 50)} pages)",
            time_pages(staff_client, sql, -(-open_total // 50), args.requests, rng),
        )
        report("triage queue, first 5 pages", time_pages(staff_client, sql, 5, args.requests, rng))
        report("triage queue, status=submitted", time_pages(staff_client, sql, 1, args.requests, rng, "&status=submitted"))
        print(f"load average at end: {os.getloadavg()[0]:.1f} (latency goal: p95 <= 50 ms)")
        with app.app_context():
            db.engine.dispose()


if __name__ == "__main__":
    main()
