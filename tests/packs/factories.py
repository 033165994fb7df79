"""Pack test data: functions with keyword defaults; every name is invented."""

from __future__ import annotations

from datetime import date

from tests.briefings.factories import make_briefing, make_staff
from vawg_group.extensions import db
from vawg_group.packs import services

FIGURES = (
    {"label": "Domestic abuse crimes recorded", "value": "23639", "unit": "crimes", "period": "12 months to March 2025"},
    {"label": "Rape and other sexual offences reported", "value": "5705", "previous_value": "4905", "unit": "offences"},
    {"label": "Positive outcome rate, domestic abuse", "value": "19.9", "previous_value": "18.1", "unit": "%"},
)


def make_pack(
    *,
    staff=None,
    briefings=None,
    classifications: tuple[str, ...] = ("OFFICIAL", "OFFICIAL"),
    meeting_date: date = date(2026, 12, 8),
    title: str = "Briefing pack",
):
    """A draft pack holding approved briefings (made here unless given)."""
    staff = staff or make_staff()
    if briefings is None:
        reviewer = make_staff()
        briefings = [
            make_briefing(
                author=staff,
                approved_by=reviewer,
                title=f"Briefing {n + 1}: programme update",
                classification=classification,
                figures=FIGURES,
            )
            for n, classification in enumerate(classifications)
        ]
    pack = services.create_pack(by=staff, meeting_date=meeting_date, title=title)
    services.set_briefings(pack, [b.id for b in briefings], by=staff)
    db.session.commit()
    return pack, staff, briefings


def make_published_pack(*, staff=None, classification: str = "OFFICIAL", pdf: bytes | None = None):
    """A published pack whose version's PDF is put straight into the cache (no render): for
    tests about access and serving, not about what the PDF holds."""
    import hashlib

    from vawg_group.core.clock import utcnow
    from vawg_group.packs import rendering
    from vawg_group.packs.models import PackStatus, PackVersion, RenderStatus

    pack, staff, _ = make_pack(staff=staff, classifications=(classification,))
    html = f"<html><body><p>pack {pack.id}</p></body></html>"
    version = PackVersion(
        pack=pack,
        number=1,
        classification=classification,
        html=html,
        input_hash=hashlib.sha256(html.encode()).hexdigest(),
        contents=services.contents_fingerprint(pack),
        render_status=RenderStatus.READY,
        rendered_dt=utcnow(),
        prepared_by_id=staff.id,
        published_by_id=staff.id,
        published_dt=utcnow(),
    )
    db.session.add(version)
    pack.status = PackStatus.PUBLISHED
    db.session.commit()
    rendering.cache_dir()  # created here as the worker would create it
    rendering.cached_path(version.input_hash).write_bytes(pdf or b"%PDF-1.7\n% grid test\n%%EOF\n")
    return pack, version


def make_pack_with_attachment(classification="OFFICIAL-SENSITIVE"):
    """A published pack whose one briefing had a PDF attached before the version was prepared."""
    from tests.briefings.factories import pdf_bytes
    from vawg_group.briefings import services as briefings

    staff, reviewer = make_staff(), make_staff()
    briefing = make_briefing(author=staff, title="Refuge places in Lancashire", classification=classification)
    attachment = briefings.add_attachment(briefing, by=staff, filename="refuge-places.pdf", data=pdf_bytes("refuge places table"))
    briefings.submit_for_review(briefing, by=staff)
    briefings.approve(briefing, by=reviewer)
    db.session.commit()
    pack, staff, _ = make_pack(staff=staff, briefings=[briefing])
    version = services.prepare(pack, by=staff)
    services.mark_ready(version)
    services.publish(pack, by=staff)
    db.session.commit()
    return pack, version, attachment


def run_worker(app) -> dict:
    """One pass of the real worker over what is due (a running worker polls every second)."""
    from vawg_group.workflow.worker import Worker

    db.session.commit()
    done = Worker(app, worker_id="test-worker").run_once()
    db.session.expire_all()
    return done
