"""Benchmark: a 40-page briefing pack (12 briefings with charts and tables).

Prints: pages; our render time (child process with time limit, asset-only fetcher, PDF/UA-1)
and peak memory; WeasyPrint rendering the same final HTML with the same stylesheets in this
run, in-process (the baseline) and its peak memory; the ratio (goal: at most 1.2); and a
cached download (through the app, signed in, audited) against a render (goal: at least 100x
faster).

    .venv/bin/python benchmarks/pack.py [--runs 3]

Runs on a throw-away SQLite database and storage folder; touches nothing else.
"""

from __future__ import annotations

import argparse
import multiprocessing
import resource
import statistics
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from weasyprint import CSS, HTML  # noqa: E402

from vawg_group import create_app  # noqa: E402
from vawg_group.core import migrate  # noqa: E402
from vawg_group.core.pdf import MARKING_CSS, PDF_BASE_URL, marking_stylesheet  # noqa: E402
from vawg_group.extensions import db  # noqa: E402

PARAGRAPH = (
    "Partners across the three divisions report steady demand. Referrals arrive from the "
    "Constabulary's safeguarding teams, from health settings and from victims themselves; each "
    "is assessed within two working days and offered support that fits the risk. "
)


def _body(n: int) -> str:
    rows = "\n".join(f"| Division {d} | {1200 + 37 * d + n} | {1100 + 29 * d + n} |" for d in range(1, 13))
    return (
        f"## Background\n\n{PARAGRAPH * 3}\n\n"
        f"## What the figures show\n\n{PARAGRAPH * 2}\n\n"
        "| Area | This year | Last year |\n| --- | --- | --- |\n" + rows + "\n\n"
        f"## For discussion\n\n{PARAGRAPH * 2}\n\n* Funding beyond Spring 2026\n* Data sharing with health\n"
    )


def build_pack(app):
    from vawg_group.briefings import services as briefings
    from vawg_group.packs import services as packs
    from vawg_group.people.models import User

    author = User(email="bench.author@example.org", display_name="Bench Author", role="opcc_staff")
    reviewer = User(email="bench.reviewer@example.org", display_name="Bench Reviewer", role="opcc_staff")
    db.session.add_all([author, reviewer])
    db.session.flush()
    ids = []
    for n in range(12):
        briefing = briefings.create_briefing(
            by=author,
            title=f"Briefing {n + 1}: programme and outcomes",
            summary="What members need to know this month, in two sentences. " * 2,
            body_markdown=_body(n),
            themes=["domestic_abuse", "rasso"],
            sources="PCC for Lancashire annual report 2024/25\nConstabulary performance data",
            classification="OFFICIAL",
        )
        for k in range(6):
            briefings.add_key_figure(
                briefing, by=author, label=f"Measure {k + 1}", value=str(1000 + 137 * k + n),
                previous_value=str(900 + 101 * k + n), unit="cases", period="2024/25", source="Bench data",
            )
        briefings.submit_for_review(briefing, by=author)
        briefings.approve(briefing, by=reviewer)
        ids.append(briefing.id)
    pack = packs.create_pack(by=author, meeting_date=date(2026, 12, 8))
    packs.set_briefings(pack, ids, by=author)
    version = packs.prepare(pack, by=author)
    db.session.commit()
    return pack, version, author


def _plain(job) -> bytes:
    """WeasyPrint on the same final HTML and stylesheets, default fetcher, same PDF variant."""
    sheets = [CSS(filename=str(MARKING_CSS)), CSS(string=marking_stylesheet(job.classification, running_header=job.running_header))]
    return HTML(string=job.html, base_url=PDF_BASE_URL).write_pdf(stylesheets=sheets, pdf_variant="pdf/ua-1")


def _cpu(who) -> float:
    usage = resource.getrusage(who)
    return usage.ru_utime + usage.ru_stime


def _peak_in_child(function, *args) -> float:
    """Peak resident memory (MB) of ``function(*args)`` run alone in a fresh fork."""
    context = multiprocessing.get_context("fork")
    queue = context.SimpleQueue()

    def run():
        function(*args)
        queue.put(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)

    child = context.Process(target=run)
    child.start()
    child.join()
    return queue.get()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="vawg-bench-"))
    url = f"sqlite:///{folder / 'bench.sqlite'}"
    migrate.upgrade(url)
    app = create_app("test", SQLALCHEMY_DATABASE_URI=url, DATABASE_URL=url, STORAGE_DIR=str(folder / "storage"), LOG_LEVEL="WARNING")
    with app.app_context():
        from pypdf import PdfReader

        from vawg_group.packs import rendering, services, tasks

        pack, version, author = build_pack(app)
        job = services.version_job(version)
        _plain(job)  # warm up fonts and caches for both sides

        ours, plain, ours_cpu, plain_cpu = [], [], [], []
        for run in range(args.runs):
            target = folder / f"ours-{run}.pdf"
            before = _cpu(resource.RUSAGE_CHILDREN)
            ours.append(rendering.render_with_limit(job, target, time_limit=600))
            ours_cpu.append(_cpu(resource.RUSAGE_CHILDREN) - before)
            before = _cpu(resource.RUSAGE_SELF)
            started = time.perf_counter()
            plain_pdf = _plain(job)
            plain.append(time.perf_counter() - started)
            plain_cpu.append(_cpu(resource.RUSAGE_SELF) - before)
        pages = len(PdfReader(str(folder / "ours-0.pdf")).pages)
        plain_pages = len(PdfReader(__import__("io").BytesIO(plain_pdf)).pages)

        # Both measured in a fork of this same process: our render's child (the largest child
        # waited for so far: only our renders ran in children) and a child running plain WeasyPrint.
        ours_peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
        plain_peak = _peak_in_child(_plain, job)

        # The worker's path puts the PDF in the cache; publish, then download as a member would.
        tasks.render_version(version.id)
        services.publish(pack, by=author)
        db.session.commit()
        from vawg_group.people.models import Office, User

        office = Office(constituency="Bench Office", division="South")
        db.session.add(office)
        db.session.flush()
        member = User(email="bench.member@example.org", display_name="Bench Member", role="member", office_id=office.id)
        db.session.add(member)
        db.session.commit()
        client = app.test_client()
        token_page = client.get("/demo/sign-in").get_data(as_text=True)
        import re

        token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', token_page).group(1)
        client.post("/demo/sign-in", data={"email": member.email, "csrf_token": token})
        downloads = []
        for _ in range(20):
            started = time.perf_counter()
            response = client.get(f"/packs/{pack.id}/download")
            downloads.append(time.perf_counter() - started)
            assert response.status_code == 200 and response.data[:5] == b"%PDF-"
        cache_hits = []
        for _ in range(20):
            started = time.perf_counter()
            path, rendered_now, _ = rendering.produce(job)
            path.read_bytes()
            cache_hits.append(time.perf_counter() - started)
            assert not rendered_now

    ours_s, plain_s = statistics.median(ours), statistics.median(plain)
    download_s, hit_s = statistics.median(downloads), statistics.median(cache_hits)
    print(f"pack: 12 briefings, {pages} pages (plain WeasyPrint: {plain_pages} pages), {len(job.html):,} bytes of HTML")
    print(f"our render (child, limit, safe fetcher, PDF/UA-1): median {ours_s:.2f} s over {args.runs} runs {['%.2f' % t for t in ours]}")
    print(f"plain WeasyPrint, same HTML and CSS, in-process: median {plain_s:.2f} s {['%.2f' % t for t in plain]}")
    print(f"ratio ours / plain, wall clock: {ours_s / plain_s:.3f} (goal <= 1.2)")
    ours_c, plain_c = statistics.median(ours_cpu), statistics.median(plain_cpu)
    print(f"CPU time (steadier on a busy machine): ours {ours_c:.2f} s, plain {plain_c:.2f} s, ratio {ours_c / plain_c:.3f}")
    print(f"peak memory: our render's WeasyPrint child {ours_peak:.0f} MB; plain WeasyPrint {plain_peak:.0f} MB")
    print(f"cached download through the app (signed in, audited): median {download_s * 1000:.1f} ms -> {ours_s / download_s:.0f}x faster than a render (goal >= 100x)")
    print(f"cache hit in the renderer (hash + file read): median {hit_s * 1000:.2f} ms -> {ours_s / hit_s:.0f}x faster than a render")


if __name__ == "__main__":
    main()
