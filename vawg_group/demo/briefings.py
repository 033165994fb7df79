"""Demo briefings built on the figures in DOMAIN.md (the PCC's 2024/25 annual report).

Figures are the report's own; where the report gives only a change ("+1.8 points"), the
previous value is worked back from it, and where it gives only a percentage change for a
count (domestic abuse crimes, +3%), no previous value is invented: the change is in the text.
"""

from __future__ import annotations

from sqlalchemy import select

from vawg_group.briefings import services
from vawg_group.briefings.models import Briefing
from vawg_group.demo.people import DEMO_MAIL_DOMAIN_OPCC, demo_email
from vawg_group.extensions import db
from vawg_group.people.services import find_user_by_email

AUTHOR = "Sam Reddington"
REVIEWER = "Robin Featherstone"
REPORT = "Police and Crime Commissioner for Lancashire, Annual Report 2024/25 (Priority 1: Prevent VAWG)"
PERIOD = "12 months to March 2025"

DEMO_BRIEFINGS = (
    dict(
        title="Drive and CARA: perpetrator programmes funded to Spring 2026",
        summary=(
            "Drive and CARA challenge perpetrators to change. Both have an extra £442k and run to Spring 2026; "
            "members may wish to press for funding beyond that date."
        ),
        themes=["domestic_abuse", "coercive_control"],
        body_markdown=(
            "## What the programmes do\n\n"
            "* **Drive** is a conditional perpetrator programme, running in Lancashire since 2023. It works with "
            "high-harm perpetrators while supporting the victims associated with them.\n"
            "* **CARA** (Cautioning and Relationship Abuse) workshops can be made a condition of a caution.\n\n"
            "## Funding\n\n"
            "Both programmes are funded to Spring 2026 with an extra £442k. After that, there is no settled funding.\n\n"
            "## For discussion\n\n"
            "Whether the Group writes to the Home Office about multi-year funding for perpetrator programmes."
        ),
        sources=REPORT,
        classification="OFFICIAL",
        figures=[
            dict(label="Drive referrals", value="184", unit="referrals", period="2024/25", source=REPORT),
            dict(label="Perpetrators accepted onto Drive", value="74", unit="perpetrators", period="2024/25", source=REPORT),
            dict(label="Associated victims supported", value="81", unit="victims", period="2024/25", source=REPORT),
        ],
        approve=True,
    ),
    dict(
        title="Operation Soteria: rape and serious sexual offences",
        summary=(
            "Reports of rape and other sexual offences rose by 16.3% in the year. Lancashire has worked to the "
            "Soteria model since 2021."
        ),
        themes=["rasso"],
        body_markdown=(
            "## The model\n\n"
            "Operation Soteria is the national operating model for investigating rape and serious sexual offences. "
            "Lancashire has been an early adopter since 2021.\n\n"
            "## In practice\n\n"
            "Civil orders, such as restraining and non-molestation orders, are secured early, working with ISVAs "
            "(Independent Sexual Violence Advisors).\n\n"
            "A rise in reports can reflect greater confidence in coming forward as well as more offending."
        ),
        sources=REPORT,
        classification="OFFICIAL",
        figures=[
            dict(
                label="Rape and other sexual offences reported",
                value="5705",
                previous_value="4905",
                unit="offences",
                period=PERIOD,
                source=REPORT,
            ),
        ],
        approve=True,
    ),
    dict(
        title="Operation Provide: IDVAs alongside safeguarding teams",
        summary="IDVAs work jointly with the Constabulary's safeguarding teams in all three divisions.",
        themes=["domestic_abuse"],
        body_markdown=(
            "## How it works\n\n"
            "Independent Domestic Violence Advisors (IDVAs) sit with the Constabulary's safeguarding teams in the "
            "West, South and East divisions, so that victims are offered support from the first contact.\n\n"
            "## Context\n\n"
            "Recorded domestic abuse crimes rose by 3% on the previous year, to 23,639. The positive outcome rate "
            "for domestic abuse rose by 1.8 points to 19.9%."
        ),
        sources=REPORT,
        classification="OFFICIAL",
        figures=[
            dict(label="Domestic abuse crimes recorded", value="23639", unit="crimes", period=PERIOD, source=REPORT),
            dict(
                label="Positive outcome rate, domestic abuse",
                value="19.9",
                previous_value="18.1",
                unit="%",
                period=PERIOD,
                source=REPORT,
            ),
        ],
        approve=True,
    ),
    dict(
        title="Health ISVAs and IDVAs: support in health settings",
        summary="Advisors based in health settings supported 1,843 victims in 2024/25.",
        themes=["domestic_abuse", "rasso"],
        body_markdown=(
            "## Why health settings\n\n"
            "Many victims disclose first to a nurse, GP or emergency department. Health ISVAs and IDVAs are there "
            "when that happens.\n\n"
            "## For discussion\n\n"
            "How members can support the case for keeping these posts in local health budgets."
        ),
        sources=REPORT,
        classification="OFFICIAL",
        figures=[
            dict(
                label="Victims supported by Health ISVAs and IDVAs", value="1843", unit="victims", period="2024/25", source=REPORT
            ),
        ],
        approve=True,
    ),
    dict(
        title="Crime recording and outcomes: 12 months to March 2025",
        summary="The year's recorded crime and outcome figures for VAWG offences in Lancashire.",
        themes=["domestic_abuse", "rasso", "stalking", "harassment"],
        body_markdown=(
            "## The figures\n\n"
            "| Measure | Value | Change |\n"
            "| --- | --- | --- |\n"
            "| Domestic abuse crimes recorded | 23,639 | +3% on previous year |\n"
            "| Rape and other sexual offences reported | 5,705 (from 4,905) | +16.3% |\n"
            "| Positive outcome rate, domestic abuse | 19.9% | +1.8 points |\n"
            "| Positive outcome rate, stalking or harassment | 19.3% | +3.7 points |\n\n"
            "Positive outcome rates improved for both domestic abuse and stalking or harassment."
        ),
        sources=REPORT,
        classification="OFFICIAL",
        figures=[
            dict(label="Domestic abuse crimes recorded", value="23639", unit="crimes", period=PERIOD, source=REPORT),
            dict(
                label="Rape and other sexual offences reported",
                value="5705",
                previous_value="4905",
                unit="offences",
                period=PERIOD,
                source=REPORT,
            ),
            dict(
                label="Positive outcome rate, domestic abuse",
                value="19.9",
                previous_value="18.1",
                unit="%",
                period=PERIOD,
                source=REPORT,
            ),
            dict(
                label="Positive outcome rate, stalking or harassment",
                value="19.3",
                previous_value="15.6",
                unit="%",
                period=PERIOD,
                source=REPORT,
            ),
        ],
        approve=True,
    ),
    dict(
        title="Emerging issue: spiking in the night-time economy",
        summary="A draft note on what partners are seeing, for review before it goes to members.",
        themes=["spiking", "harassment"],
        body_markdown=(
            "## Draft\n\n"
            "Partners report concern about spiking in the night-time economy. This note will set out what is known "
            "once the Constabulary's figures are confirmed."
        ),
        sources="",
        classification="OFFICIAL-SENSITIVE",
        emerging_issue=True,
        figures=[],
        approve=False,
    ),
)


def _staff(name: str):
    return find_user_by_email(demo_email(name, DEMO_MAIL_DOMAIN_OPCC))


def seed_briefings() -> int:
    """Create the demo briefings that are missing; returns how many it added."""
    author, reviewer = _staff(AUTHOR), _staff(REVIEWER)
    added = 0
    for spec in DEMO_BRIEFINGS:
        if db.session.scalar(select(Briefing.id).where(Briefing.title == spec["title"])) is not None:
            continue
        values = {key: value for key, value in spec.items() if key not in {"figures", "approve"}}
        briefing = services.create_briefing(by=author, **values)
        for figure in spec["figures"]:
            services.add_key_figure(briefing, by=author, **figure)
        services.submit_for_review(briefing, by=author)
        if spec["approve"]:
            services.approve(briefing, by=reviewer)
        added += 1
    return added
