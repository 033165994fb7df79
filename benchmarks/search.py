"""Search at the scale of ten years of the group: 120 meetings (agendas, minutes, actions and
asks), 1,500 briefings in 120 published packs, and 100,000 cases across 15 offices; all
fictional, loaded in bulk and then indexed by the rebuild command's own function.

Prints, in-process (the search service as the results page calls it, and the Flask test
client for whole pages):
  - the time to rebuild the index;
  - search latency p50/p95/max over a mix of searches, as an MP (their office's cases) and as
    OPCC staff (every case);
  - the same for the results page, and for the casework list page (an office's first page,
    the baseline), with the ratio between them.

    /work/main/.venv/bin/python benchmarks/search.py [--cases 100000] [--requests 200]
    VAWG_BENCH_DATABASE_URL=postgresql://... to run against PostgreSQL (the schema is rebuilt).

Figures only: this is never part of the test run's pass or fail. The goal (issue #17): search
p95 at most 50 ms in-process on either engine.
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import insert  # noqa: E402

from benchmarks.casework import database_url, load, percentile, sign_in  # noqa: E402
from vawg_group import create_app  # noqa: E402
from vawg_group.briefings.models import THEMES, Briefing, KeyFigure  # noqa: E402
from vawg_group.core.roles import Role  # noqa: E402
from vawg_group.extensions import db  # noqa: E402
from vawg_group.meetings.models import Action, AgendaItem, LobbyingAsk, Occurrence  # noqa: E402
from vawg_group.packs.models import Pack, PackItem, PackVersion  # noqa: E402
from vawg_group.people.models import Office, User  # noqa: E402
from vawg_group.people.offices import LANCASHIRE_OFFICES  # noqa: E402
from vawg_group.search import service  # noqa: E402
from vawg_group.search.cli import rebuild  # noqa: E402
from vawg_group.search.engines import Filters  # noqa: E402

WORDS = (
    "refuge advocacy helpline outreach police response referral court delay victims survivors "
    "funding commissioning prevention education schools night economy licensing transport "
    "training officers investigation charge outcome recorded crime rate increase decrease "
    "county district partnership housing accommodation children young people safeguarding "
    "perpetrator programme behaviour change risk assessment MARAC IDVA ISVA specialist service "
    "waiting list capacity demand report data quarter annual review recommendation evidence"
).split()
SEARCHES = [
    "refuge",
    "domestic abuse",
    "stalking advocates",
    "spiking night economy",
    '"risk assessment"',
    "police response OR court delay",
    "safeguarding children",
    "funding",
    "MARAC referral",
    "kestrelwing",  # in no document
    "perpetrator programme",
    "submitted",
    "BEN 004213",
]


# Papers are mostly ordinary prose: a long tail of everyday words (here invented ones, drawn
# with a Zipf-like skew) with the subject's own words among them, about one word in twenty.
FILLER = [
    f"{a}{b}{c}"
    for a in ("ba", "ke", "lo", "mi", "nu", "po", "ra", "se", "ti", "vo")
    for b in ("l", "m", "n", "r", "s", "t")
    for c in (
        "an",
        "en",
        "in",
        "on",
        "un",
        "ar",
        "er",
        "ir",
        "or",
        "ur",
        "al",
        "el",
        "il",
        "ol",
        "ul",
        "as",
        "es",
        "is",
        "os",
        "us",
        "ay",
        "ey",
        "oy",
        "ax",
        "ex",
        "ix",
        "ox",
        "ux",
        "ad",
        "ed",
    )
]
FILLER_WEIGHTS = [1 / (rank + 1) for rank in range(len(FILLER))]


def paragraph(rng: random.Random, words: int) -> str:
    filler = rng.choices(FILLER, FILLER_WEIGHTS, k=words)
    chosen = [rng.choice(WORDS) if rng.random() < 0.05 else word for word in filler]
    return " ".join(chosen).capitalize() + "."


def load_papers(rng: random.Random, staff: User) -> None:
    """120 monthly meetings over ten years, each with an agenda, minutes, actions and an ask;
    1,500 briefings, twelve or thirteen to each meeting's published pack."""
    start = datetime(2016, 1, 12, 10, tzinfo=UTC)
    themes = [code for code, _ in THEMES]
    briefing_table = Briefing.__table__
    for month in range(120):
        starts = start + timedelta(days=30 * month)
        occurrence = Occurrence(
            title="Lancashire MPs' VAWG Group",
            starts_dt=starts,
            ends_dt=starts + timedelta(hours=1),
            uid=f"bench-{month}@example.org",
            agenda_published_dt=starts - timedelta(days=7),
            minutes_status="approved",
            minutes_approved_dt=starts + timedelta(days=30),
        )
        db.session.add(occurrence)
        db.session.flush()
        for position in range(6):
            db.session.add(
                AgendaItem(
                    occurrence_id=occurrence.id,
                    position=position,
                    kind="aob",
                    title=paragraph(rng, 4)[:-1],
                    description=paragraph(rng, 30),
                    minute_text=paragraph(rng, 80),
                    decisions=paragraph(rng, 15),
                    minutes=10,
                )
            )
        for _ in range(3):
            db.session.add(Action(occurrence_id=occurrence.id, description=paragraph(rng, 15), owner_name="Secretariat"))
        db.session.add(LobbyingAsk(occurrence_id=occurrence.id, target="Home Office", ask=paragraph(rng, 25)))
        rows = []
        per_pack = 13 if month % 2 else 12
        for n in range(per_pack):
            rows.append(
                dict(
                    title=f"{paragraph(rng, 3)[:-1]} ({month}-{n})",
                    summary=paragraph(rng, 40),
                    body_markdown="\n\n".join(paragraph(rng, 120) for _ in range(4)),
                    themes=rng.sample(themes, 2),
                    sources="PCC for Lancashire annual report\nHome Office statistics",
                    classification="OFFICIAL",
                    status="approved",
                    author_id=staff.id,
                    approved_by_id=staff.id,
                    approved_dt=starts - timedelta(days=10),
                    created_dt=starts - timedelta(days=20),
                    updated_dt=starts - timedelta(days=10),
                )
            )
        ids = [db.session.execute(insert(briefing_table).returning(briefing_table.c.id), [row]).scalar_one() for row in rows]
        db.session.execute(
            insert(KeyFigure.__table__),
            [
                dict(briefing_id=i, position=0, label="Domestic abuse crimes recorded", value=rng.randrange(1000, 30000))
                for i in ids
            ],
        )
        pack = Pack(
            title="Briefing pack",
            occurrence_id=occurrence.id,
            meeting_date=starts.date(),
            status="published",
            created_by_id=staff.id,
        )
        db.session.add(pack)
        db.session.flush()
        db.session.execute(
            insert(PackItem.__table__), [dict(pack_id=pack.id, briefing_id=i, position=p) for p, i in enumerate(ids)]
        )
        articles = "".join(
            f'<article class="briefing" id="briefing-{i}"><h2 id="briefing-{i}-title">{row["title"]}</h2>'
            f'<p class="briefing-meta">OFFICIAL</p><p>{row["summary"]}</p><div>{row["body_markdown"]}</div></article>'
            for i, row in zip(ids, rows, strict=True)
        )
        html = f"<html><body><h1>Briefing pack</h1><section id='agenda'><p>{paragraph(rng, 60)}</p></section>{articles}</body></html>"
        db.session.add(
            PackVersion(
                pack_id=pack.id,
                number=1,
                classification="OFFICIAL",
                html=html,
                input_hash=f"{month:064d}",
                render_status="ready",
                prepared_by_id=staff.id,
                published_by_id=staff.id,
                published_dt=starts - timedelta(days=5),
            )
        )
        db.session.commit()


def timed(call, runs: int) -> list[float]:
    timings = []
    for _ in range(runs):
        started = time.perf_counter()
        call()
        timings.append((time.perf_counter() - started) * 1000)
    return timings


def load_average() -> str:
    """The machine's load: figures from a busy machine are slower, ratios less so."""
    return " ".join(f"{value:.2f}" for value in os.getloadavg())


def figures(name: str, timings: list[float]) -> str:
    return f"  {name:<46} p50 {percentile(timings, 0.5):7.1f} ms   p95 {percentile(timings, 0.95):7.1f} ms   max {max(timings):7.1f} ms"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cases", type=int, default=100_000)
    parser.add_argument("--requests", type=int, default=200)
    args = parser.parse_args()
    rng = random.Random(17)

    with tempfile.TemporaryDirectory() as workdir:
        url = database_url(Path(workdir))
        app = create_app(
            "test", SQLALCHEMY_DATABASE_URI=url, DATABASE_URL=url, STORAGE_DIR=str(Path(workdir) / "storage"), DEMO_SIGN_IN=True
        )
        with app.app_context():
            engine_name = db.engine.dialect.name
            offices = [Office(constituency=name, division=division, is_active=True) for name, division in LANCASHIRE_OFFICES]
            db.session.add_all(offices)
            db.session.flush()
            staff = User(email="staff@example.org", display_name="Cal Secretariat", role=Role.OPCC_STAFF.value, is_active=True)
            member = User(
                email="mp@example.org", display_name="Ada Member", role=Role.MEMBER.value, office_id=offices[0].id, is_active=True
            )
            db.session.add_all([staff, member])
            db.session.commit()
            member_id, staff_id = member.id, staff.id
            print(f"== {engine_name}: loading 120 meetings, 1,500 briefings in 120 packs and {args.cases:,} cases")
            print(f"  load average (1, 5, 15 min) at the start: {load_average()}")
            started = time.perf_counter()
            load_papers(rng, db.session.get(User, staff_id))
            load(args.cases, [office.id for office in offices])
            print(f"  loaded in {time.perf_counter() - started:.1f} s")
            started = time.perf_counter()
            written = rebuild()
            db.session.commit()
            print(f"  search-rebuild: {written:,} documents in {time.perf_counter() - started:.1f} s")

        with app.app_context():
            with app.test_request_context():
                for role, user_id in (("MP", member_id), ("OPCC staff", staff_id)):
                    user = db.session.get(User, user_id)
                    for text in SEARCHES:  # warm up
                        service.search(user, text, Filters())
                    runs = [
                        timed(lambda u=user, t=text: service.search(u, t, Filters()), max(1, args.requests // len(SEARCHES)))
                        for text in SEARCHES
                    ]
                    everything = [ms for run in runs for ms in run]
                    print(figures(f"search service, {role} (mix of {len(SEARCHES)})", everything))
                    slowest = max(zip(SEARCHES, runs, strict=True), key=lambda pair: percentile(pair[1], 0.95))
                    found = service.search(user, slowest[0], Filters())
                    matched = f"more than {found.total:,}" if found.more else f"{found.total:,}"
                    print(f"    slowest search: {slowest[0]!r} ({matched} results) p95 {percentile(slowest[1], 0.95):.1f} ms")
                    theme = service.search(user, "police", Filters(theme="stalking", date_from=date(2020, 1, 1)))
                    assert theme.total >= 0
            member_email = db.session.get(User, member_id).email

        client = app.test_client()
        with app.app_context():
            sign_in(client, member_email)
        pages = {
            "results page (MP, 'domestic abuse')": "/search?q=domestic+abuse",
            "results page (MP, 'refuge', page 3)": "/search?q=refuge&page=3",
            "casework list (MP's office, baseline)": "/casework/",
        }
        timings = {}
        for name, path in pages.items():
            assert client.get(path).status_code == 200, path
            timings[name] = timed(lambda p=path: client.get(p), args.requests // 2)
            print(figures(name, timings[name]))
        baseline = percentile(timings["casework list (MP's office, baseline)"], 0.95)
        for name in list(pages)[:2]:
            print(f"  {name}: p95 {percentile(timings[name], 0.95) / baseline:.2f} x the casework list's")
        print(f"  load average (1, 5, 15 min) at the end: {load_average()}")
        with app.app_context():
            db.session.remove()
            db.engine.dispose()
    return 0


if __name__ == "__main__":
    sys.exit(main())
