"""Emerging issues at scale (#18): the daily casework signals job, and publishing a note.

Prints:
  - the signals job (``emerging.signals.flag_rises``: three grouped queries and a Poisson test
    per theme) over 100,000 cases in 20 themes from 15 offices spread over the 14 windows it
    reads (goal: under 1 s), median of several runs, with the flags it raised;
  - publishing an OFFICIAL-SENSITIVE note to 45 members and assistants: from the publish to
    every notice queued as a delivery (the service, the commit, and the worker's handling of
    ``emerging.published``; goal: under 1 s), and the 45 stamped copies made by the worker's
    task, against the pack benchmark's stamping budget (45 copies within 2x one render of its
    40-page pack: a note's copies must not cost more than a pack's).

    .venv/bin/python benchmarks/emerging.py [--cases 100000] [--themes 20] [--runs 5] [--quick]
    VAWG_BENCH_DATABASE_URL=postgresql://... to run against PostgreSQL (its schema is rebuilt).

``--quick`` (2,000 cases, 5 people) only shows that it still works. Figures only: never part of
the test run's pass or fail. Runs on a throw-away database and storage folder.
"""

from __future__ import annotations

import argparse
import logging
import os
import random
import statistics
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import MetaData, Table, create_engine, func, insert, select, text  # noqa: E402

from config import _normalise_database_url  # noqa: E402
from vawg_group import create_app  # noqa: E402
from vawg_group.core import migrate  # noqa: E402
from vawg_group.core.clock import utcnow  # noqa: E402
from vawg_group.extensions import db  # noqa: E402

BATCH = 5000


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


def seed_cases(count: int, theme_count: int, office_ids: list[int], rng: random.Random) -> str:
    """``count`` cases over the last 392 days, one theme each (a few two), with a planted rise
    in the first theme across three offices in the last 28 days. Written through the tables as
    the database has them (the free text is a placeholder: the job never reads it)."""
    connection = db.session.connection()
    engine = connection.engine
    tables = MetaData()
    items = Table("casework_item", tables, autoload_with=connection)
    themes = Table("casework_theme", tables, autoload_with=connection)
    codes = [f"bench_theme_{n:02d}" for n in range(theme_count)]
    now = utcnow()
    next_id = 1
    for _ in (1,):  # one transaction: the session's (SQLite lets one writer in at a time)
        for start in range(0, count, BATCH):
            item_rows, theme_rows = [], []
            for n in range(start, min(count, start + BATCH)):
                rising = n % 200 == 0
                submitted = now - timedelta(minutes=rng.randrange(0, (27 if rising else 392) * 24 * 60))
                item_rows.append(
                    dict(
                        id=next_id,
                        office_id=office_ids[n % 3] if rising else rng.choice(office_ids),
                        reference=f"B-{n}",
                        summary="x",
                        ask="x",
                        agency="police",
                        consent_to_share=True,
                        may_raise_anonymised=False,
                        status="closed",
                        submitted_dt=submitted,
                        updated_dt=submitted,
                        submission_token=f"bench-{n}",
                        legal_hold=False,
                        screening_confirmed=[],
                        late=False,
                    )
                )
                theme_rows.append(dict(item_id=next_id, theme=codes[0] if rising else rng.choice(codes)))
                if n % 10 == 0 and not rising:
                    second = rng.choice(codes)
                    if second != theme_rows[-1]["theme"]:
                        theme_rows.append(dict(item_id=next_id, theme=second))
                next_id += 1
            connection.execute(insert(items), item_rows)
            connection.execute(insert(themes), theme_rows)
        if engine.dialect.name == "postgresql":
            connection.execute(text("SELECT setval('casework_item_id_seq', (SELECT max(id) FROM casework_item))"))
            connection.execute(text("ANALYZE"))
    db.session.commit()
    return codes[0]


def signal_job(runs: int) -> tuple[list[float], list[float], list]:
    from vawg_group.emerging import signals

    timings, cpu, raised = [], [], []
    for _ in range(runs):
        started, cpu_started = time.perf_counter(), time.process_time()
        raised = [(s.theme, s.recent_count, s.office_count, round(s.baseline_mean, 1)) for s in signals.flag_rises(utcnow())]
        timings.append(time.perf_counter() - started)
        cpu.append(time.process_time() - cpu_started)
        db.session.rollback()  # the same work every run
    return timings, cpu, raised


def publish_to(people_count: int) -> dict:
    from vawg_group.briefings import services as briefings
    from vawg_group.emerging import notes, tasks
    from vawg_group.emerging.models import EmergingNoteCopy
    from vawg_group.packs import rendering as pack_rendering
    from vawg_group.people.models import Office, User
    from vawg_group.workflow import dispatch
    from vawg_group.workflow.models import Delivery, DomainEvent

    author = User(email="bench.author@example.org", display_name="Bench Author", role="opcc_staff")
    reviewer = User(email="bench.reviewer@example.org", display_name="Bench Reviewer", role="opcc_staff")
    db.session.add_all([author, reviewer])
    for n in range(0, people_count, 2):
        office = Office(constituency=f"Bench Note Office {n}", division="South")
        db.session.add(office)
        db.session.flush()
        for role in ("member", "assistant")[: min(2, people_count - n)]:
            db.session.add(
                User(
                    email=f"bench.{role}{n}@example.org", display_name=f"Bench {role.title()} {n}", role=role, office_id=office.id
                )
            )
    db.session.flush()
    briefing = briefings.create_briefing(
        by=author,
        title="Emerging issue: a rise the figures show",
        summary="What members need to know now, before the next meeting. " * 2,
        body_markdown="## What we know\n\n" + "Partners across the three divisions report more cases this month. " * 12,
        themes=["spiking"],
        sources="Bench data",
        classification="OFFICIAL-SENSITIVE",
        emerging_issue=True,
    )
    briefings.submit_for_review(briefing, by=author)
    briefings.approve(briefing, by=reviewer)
    note = notes.prepare(briefing, by=author)
    db.session.commit()
    started = time.perf_counter()
    tasks.render_note(note.id)
    render_s = time.perf_counter() - started

    started = time.perf_counter()
    notes.publish(note, by=author)
    db.session.commit()
    event_id = db.session.scalar(select(DomainEvent.id).where(DomainEvent.event_type == "emerging.published"))
    dispatch.claim_events("bench", 10)
    dispatch.process_event(event_id, "bench")
    queued_s = time.perf_counter() - started
    notices = db.session.scalar(select(func.count()).select_from(Delivery).where(Delivery.message == "emerging.published_notice"))

    copy_ids = list(db.session.scalars(select(EmergingNoteCopy.id).where(EmergingNoteCopy.note_id == note.id)))
    started = time.perf_counter()
    for copy_id in copy_ids:
        assert tasks.render_copy(copy_id) == "ready"
    copies_s = time.perf_counter() - started
    # A fresh render of the same note (the cache would answer at once): the copies' yardstick.
    job = pack_rendering.PdfJob(**{**vars(notes.rendering.note_job(note)), "title": "fresh"})
    started = time.perf_counter()
    pack_rendering.produce(job)
    fresh_s = time.perf_counter() - started
    return dict(
        render_s=render_s,
        fresh_s=fresh_s,
        queued_s=queued_s,
        notices=notices,
        copies=len(copy_ids),
        copies_s=copies_s,
        pages=note.page_count,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--cases", type=int, default=100_000)
    parser.add_argument("--themes", type=int, default=20)
    parser.add_argument("--people", type=int, default=45)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--quick", action="store_true", help="2,000 cases and 5 people: only shows it works")
    args = parser.parse_args()
    if args.quick:
        args.cases, args.people, args.runs = 2000, 5, 2
    logging.getLogger("vawg_group").setLevel(logging.WARNING)
    with tempfile.TemporaryDirectory() as workdir:
        url = database_url(Path(workdir))
        app = create_app("test", SQLALCHEMY_DATABASE_URI=url, DATABASE_URL=url, STORAGE_DIR=workdir, LOG_LEVEL="WARNING")
        with app.app_context():
            from vawg_group.people.models import Office

            offices = [Office(constituency=f"Bench Office {n}", division="East") for n in range(15)]
            db.session.add_all(offices)
            db.session.commit()
            started = time.perf_counter()
            rising = seed_cases(args.cases, args.themes, [o.id for o in offices], random.Random(18))
            seeded_s = time.perf_counter() - started
            timings, cpu, raised = signal_job(args.runs)
            published = publish_to(args.people)
    engine = "PostgreSQL" if url.startswith("postgresql") else "SQLite"
    print(f"database: {engine}; {args.cases:,} cases in {args.themes} themes from 15 offices (seeded in {seeded_s:.1f} s)")
    print(
        f"signals job: median {statistics.median(timings):.3f} s, max {max(timings):.3f} s over {args.runs} runs (goal < 1 s;"
        f" this process's CPU median {statistics.median(cpu):.3f} s, the rest is the database server or waiting);"
        f" flagged {raised} (planted: {rising})"
    )
    print(
        f"publish an OFFICIAL-SENSITIVE note ({published['pages']} page(s)) to {args.people} people:"
        f" {published['notices']} notices queued {published['queued_s']:.3f} s after the publish (goal < 1 s)"
    )
    print(
        f"{published['copies']} stamped copies through tasks.render_copy: {published['copies_s']:.2f} s in all"
        f" ({published['copies_s'] / max(published['copies'], 1) * 1000:.0f} ms each), {published['copies_s'] / published['fresh_s']:.2f}x"
        f" one render of this short note ({published['fresh_s']:.2f} s; the first render, which starts the renderer,"
        f" {published['render_s']:.2f} s). The pack benchmark's stamping budget is 45 copies within 2x one render of its"
        " 40-page pack (benchmarks/pack.py; docs/packs.md)"
    )


if __name__ == "__main__":
    main()
