"""The demo's emerging issues: a rise in spiking cases from three offices over the last month
(against a quiet year before, kept as the tombstones retention leaves), so the first worker run after ``make run`` flags it for staff,
and a published emerging issue note that members see on their home page.

The note is rendered here, in the command (as the demo pack is), never in a web request.
"""

from __future__ import annotations

import uuid
from datetime import timedelta

from sqlalchemy import select

from vawg_group.briefings import services as briefing_services
from vawg_group.briefings.models import Briefing
from vawg_group.casework.models import CaseworkItem, CaseworkStatusChange, CaseworkTheme, CaseworkTombstone, Status
from vawg_group.core.clock import utcnow
from vawg_group.core.roles import Role
from vawg_group.demo.briefings import AUTHOR, REVIEWER, _staff
from vawg_group.emerging import notes, tasks
from vawg_group.extensions import db
from vawg_group.packs.models import RenderStatus
from vawg_group.people.models import Office, User

RISE_THEME = "spiking"
# (constituency, reference prefix, cases in the last month)
RISE_OFFICES = (("Preston", "PRE-EI", 5), ("Blackburn", "BLB-EI", 4), ("Fylde", "FYL-EI", 4))
# A quiet year before, as cases deleted under the retention schedule leave it (tombstones: themes,
# office and date, nothing else): cases per 28-day window for each theme, over the 13 windows.
HISTORY_PER_WINDOW = {
    "domestic_abuse": 6,
    "coercive_control": 4,
    "stalking": 5,
    "harassment": 3,
    "online_abuse": 3,
    "rasso": 3,
    "spiking": 1,
}
HISTORY_REFERENCE = "DEMO-HISTORY"
HISTORY_FIRST_ID = 900_000_000
RISE_SUMMARIES = (
    "The constituent believes a drink was spiked at a venue in the town centre on a Saturday night.",
    "A student reports feeling suddenly unwell after one drink and asks whether venues must report it.",
    "The constituent was spiked at a private party and wants to know whether a test is still possible.",
    "A parent asks what support there is after their daughter was spiked at a club.",
    "The constituent reported a suspected spiking but heard nothing back about testing.",
)

NOTE = dict(
    title="Emerging issue: tracking devices used in stalking",
    summary=(
        "Offices and partners describe more cases where a small tracking device was hidden in a victim's car or bag. "
        "This note sets out what is known and what members can ask."
    ),
    themes=["stalking", "online_abuse"],
    body_markdown=(
        "## What partners are seeing\n\n"
        "Victim services in all three divisions describe victims finding tracking tags in cars, bags and coats, "
        "often after a relationship ended.\n\n"
        "## What members can ask\n\n"
        "* whether retailers' anti-stalking alerts are promoted to victims;\n"
        "* how quickly devices handed in are examined."
    ),
    sources="Partner reports to the OPCC, autumn 2026",
    classification="OFFICIAL",
    emerging_issue=True,
)


def seed_rise() -> int:
    """Add the spiking cases of the last month, unless they are there; returns how many it added."""
    added = 0
    now = utcnow()
    for office_number, (constituency, prefix, count) in enumerate(RISE_OFFICES):
        office = db.session.scalar(select(Office).where(Office.constituency == constituency))
        if office is None:
            continue
        submitter = db.session.scalar(
            select(User).where(User.office_id == office.id, User.role == Role.ASSISTANT.value).order_by(User.id)
        )
        for number in range(1, count + 1):
            reference = f"{prefix}-{number:03d}"
            if db.session.scalar(
                select(CaseworkItem.id).where(CaseworkItem.office_id == office.id, CaseworkItem.reference == reference)
            ):
                continue
            submitted = now - timedelta(days=2 + number * 5 + office_number, hours=office_number * 3)
            item = CaseworkItem(
                office_id=office.id,
                reference=reference,
                summary=RISE_SUMMARIES[(number + office_number) % len(RISE_SUMMARIES)],
                ask="Please raise the pattern with the division and ask how reports are followed up.",
                agency="constabulary_south",
                consent_to_share=True,
                may_raise_anonymised=True,
                status=Status.SUBMITTED.value,
                submitted_dt=submitted,
                updated_dt=submitted,
                submitted_by_id=getattr(submitter, "id", None),
                submission_token=uuid.uuid4().hex,
                themes=[CaseworkTheme(theme=RISE_THEME)],
            )
            db.session.add(item)
            db.session.flush()
            db.session.add(
                CaseworkStatusChange(
                    item_id=item.id,
                    to_status="submitted",
                    reason="Submitted by the office",
                    by_id=item.submitted_by_id,
                    at_dt=submitted,
                )
            )
            added += 1
    return added


def seed_history() -> int:
    """The year before the last month, unless it is there; returns how many rows it added."""
    if db.session.scalar(select(CaseworkTombstone.id).where(CaseworkTombstone.reference.like(f"{HISTORY_REFERENCE}%"))):
        return 0
    offices = list(db.session.scalars(select(Office.id).where(Office.is_active.is_(True)).order_by(Office.id)))
    if not offices:
        return 0
    now = utcnow()
    number = 0
    for window in range(1, 14):
        for theme, count in HISTORY_PER_WINDOW.items():
            for n in range(count):
                submitted = now - timedelta(days=28 * window + (n * 5 + window) % 27, hours=n)
                db.session.add(
                    CaseworkTombstone(
                        original_id=HISTORY_FIRST_ID + number,
                        office_id=offices[(number + n) % len(offices)],
                        reference=f"{HISTORY_REFERENCE}-{number:04d}",
                        themes=[theme],
                        submitted_dt=submitted,
                        closed_dt=submitted + timedelta(days=30),
                        deleted_dt=now,
                        reason="retention",
                    )
                )
                number += 1
    db.session.flush()
    return number


def seed_note() -> int:
    """Write, approve, render and publish the demo note, unless it is there; returns 1 if added."""
    if db.session.scalar(select(Briefing.id).where(Briefing.title == NOTE["title"])) is not None:
        return 0
    author, reviewer = _staff(AUTHOR), _staff(REVIEWER)
    if author is None or reviewer is None:
        return 0
    briefing = briefing_services.create_briefing(by=author, **NOTE)
    briefing_services.submit_for_review(briefing, by=author)
    briefing_services.approve(briefing, by=reviewer)
    note = notes.prepare(briefing, by=author)
    db.session.commit()
    if tasks.render_note(note.id) != RenderStatus.READY:
        db.session.refresh(note)
        raise RuntimeError(f"the demo note did not render: {note.render_error}")
    notes.publish(note, by=author)
    return 1


def seed_emerging() -> int:
    return seed_history() + seed_rise() + seed_note()
