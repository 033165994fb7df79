"""The meetings routes in the access grid (tests/access_grid.py).

Meetings belong to the whole group, not to one office: everyone in the group reads them
(members and assistants read only), OPCC staff and admins manage them. RSVP and the calendar
feed are public routes answered only to a token (tests/meetings/test_rsvp_and_feeds.py).

What a member or assistant sees of one meeting depends on its state (core/policy.py): its agenda
once published, its minutes once approved, never the register or the meeting's history; the
agenda's PDF does not exist for them before the agenda is published. Rows with a ``state`` check
those rules on the meeting's page.
"""

from datetime import time

from tests.access_grid import EVERYONE, OFFICE, OPCC, Route
from vawg_group.core.clock import to_london, utcnow
from vawg_group.extensions import db
from vawg_group.meetings import actions, agenda, services


def _series(world, office):
    series = services.create_series(
        title="Grid meetings",
        rule="FREQ=MONTHLY;BYDAY=2TU",
        first_date=to_london(utcnow()).date(),
        start_time=time(10),
        end_time=time(11),
        tzid="Europe/London",
        by=world.users["opcc_staff"],
    )
    db.session.commit()
    return series


def _series_id(world, office):
    return {"series_id": _series(world, office).id}


def _occurrence_id(world, office):
    return {"occurrence_id": _series(world, office).occurrences[0].id}


def _cancelled_occurrence_id(world, office):
    occurrence = _series(world, office).occurrences[0]
    services.cancel_occurrence(occurrence, by=None)
    db.session.commit()
    return {"occurrence_id": occurrence.id}


def _item(world, office):
    occurrence = _series(world, office).occurrences[0]
    item = agenda.add_agenda_item(occurrence, kind="briefing", title="Grid briefing", by=None)
    db.session.commit()
    return {"occurrence_id": occurrence.id, "item_id": item.id}


def _published_with_pdf(world, office):
    from vawg_group.meetings import agenda_pdf

    occurrence = _series(world, office).occurrences[0]
    agenda.start_default_agenda(occurrence, by=None)
    agenda.publish_agenda(occurrence, by=None)
    agenda_pdf.store(occurrence, occurrence.agenda_published_dt)
    db.session.commit()
    return {"occurrence_id": occurrence.id}


DRAFT_ITEM = "Grid item on a draft agenda"
PUBLISHED_ITEM = "Grid item on a published agenda"
DRAFT_MINUTE = "Grid minute awaiting approval"
APPROVED_MINUTE = "Grid minute approved at the next meeting"


def _agenda(title: str, *, publish: bool):
    def build(world, office):
        occurrence = _series(world, office).occurrences[0]
        agenda.add_agenda_item(occurrence, kind="briefing", title=title, by=None)
        if publish:
            agenda.publish_agenda(occurrence, by=None)
        db.session.commit()
        return {"occurrence_id": occurrence.id}

    return build


def _minutes(text: str, *, approve: bool):
    """Minutes of a meeting whose agenda is published (so the agenda is not what hides them),
    recorded as if it had started, and approved as if the next one had."""

    def build(world, office):
        occurrence = _series(world, office).occurrences[0]
        item = agenda.add_agenda_item(occurrence, kind="briefing", title="Grid minuted item", by=None)
        agenda.publish_agenda(occurrence, by=None)
        agenda.record_minutes(item, minute_text=text, decisions="", by=None, now=occurrence.starts_dt)
        if approve:
            agenda.approve_minutes(occurrence, by=None, now=services.following_occurrence(occurrence).starts_dt)
        db.session.commit()
        return {"occurrence_id": occurrence.id}

    return build


def _draft_with_pdf(world, office):
    """An agenda not published, with a PDF on disk all the same (none is made before publishing:
    the rule must hold whatever the disk holds)."""
    from vawg_group.meetings import agenda_pdf

    occurrence = _series(world, office).occurrences[0]
    agenda.start_default_agenda(occurrence, by=None)
    agenda_pdf.storage_dir().mkdir(parents=True, exist_ok=True)
    occurrence.agenda_pdf_name = f"agenda-{occurrence.id}.pdf"
    (agenda_pdf.storage_dir() / occurrence.agenda_pdf_name).write_bytes(b"%PDF-1.7\n% grid test\n%%EOF\n")
    db.session.commit()
    return {"occurrence_id": occurrence.id}


def _action_id(world, office):
    occurrence = _series(world, office).occurrences[0]
    action = actions.add_action(occurrence, description="Grid action", owner_name="Someone", by=None)
    db.session.commit()
    return {"action_id": action.id}


def _ask_id(world, office):
    ask = actions.add_lobbying_ask(target="Home Office", ask="Grid ask", by=None)
    db.session.commit()
    return {"ask_id": ask.id}


def _pair(endpoint, kwargs=None, *, post_expect=200):
    extra = {"kwargs": kwargs} if kwargs else {}
    return [Route(endpoint, OPCC, **extra), Route(endpoint, OPCC, method="POST", expect=post_expect, **extra)]


ACCESS_ROWS = [
    Route("meetings.index", EVERYONE),
    Route("meetings.show", EVERYONE, kwargs=_occurrence_id),
    Route("meetings.download", EVERYONE, kwargs=_occurrence_id),
    Route("meetings.action_list", EVERYONE),
    Route("meetings.profile_calendar", EVERYONE),
    Route("meetings.profile_calendar_renew", EVERYONE, method="POST"),
    Route("meetings.profile_calendar_revoke", EVERYONE, method="POST", expect=302),
    *_pair("meetings.series_new"),
    *_pair("meetings.series_change", _series_id),
    *_pair("meetings.series_end", _series_id),
    *_pair("meetings.one_off_new"),
    *_pair("meetings.move", _occurrence_id),
    *_pair("meetings.details", _occurrence_id),
    *_pair("meetings.cancel", _occurrence_id, post_expect=302),
    *_pair("meetings.reinstate", _cancelled_occurrence_id, post_expect=302),
    *_pair("meetings.guests", _occurrence_id),
    *_pair("meetings.take_register", _occurrence_id),
    *_pair("meetings.item_new", _occurrence_id),
    *_pair("meetings.item_edit", _item),
    *_pair("meetings.item_minutes", _item),
    *_pair("meetings.item_remove", _item, post_expect=302),
    Route("meetings.item_move", OPCC, kwargs=_item, method="POST", expect=302),
    Route("meetings.agenda_standard", OPCC, kwargs=_occurrence_id, method="POST", expect=302),
    Route("meetings.agenda_publish", OPCC, kwargs=_occurrence_id, method="POST", expect=302),
    Route("meetings.minutes_approve", OPCC, kwargs=_occurrence_id, method="POST", expect=302),
    *_pair("meetings.action_new", _occurrence_id),
    Route("meetings.action_status", OPCC, kwargs=_action_id, method="POST", expect=302),
    Route("meetings.agenda_classification", OPCC, kwargs=_occurrence_id, method="POST", expect=302),
    Route("meetings.agenda_pdf_download", EVERYONE, kwargs=_published_with_pdf),
    *_pair("meetings.ask_new"),
    *_pair("meetings.ask_edit", _ask_id),
    # Object rules: the meeting's page (and the agenda's PDF) with the meeting in each state.
    Route(
        "meetings.show",
        EVERYONE,
        kwargs=_agenda(DRAFT_ITEM, publish=False),
        state="agenda draft",
        hidden_from=OFFICE,
        markers=(DRAFT_ITEM,),
    ),
    Route(
        "meetings.show",
        EVERYONE,
        kwargs=_agenda(PUBLISHED_ITEM, publish=True),
        state="agenda published",
        markers=(PUBLISHED_ITEM,),
    ),
    Route(
        "meetings.show",
        EVERYONE,
        kwargs=_minutes(DRAFT_MINUTE, approve=False),
        state="minutes draft",
        hidden_from=OFFICE,
        markers=(DRAFT_MINUTE,),
    ),
    Route(
        "meetings.show",
        EVERYONE,
        kwargs=_minutes(APPROVED_MINUTE, approve=True),
        state="minutes approved",
        markers=(APPROVED_MINUTE,),
    ),
    Route(
        "meetings.show",
        EVERYONE,
        kwargs=_occurrence_id,
        state="register and history",
        hidden_from=OFFICE,
        markers=('id="register"', 'id="timeline"'),
    ),
    Route("meetings.show", EVERYONE, kwargs=_occurrence_id, state="invited", hidden_from=OPCC, markers=("Your reply</h2>",)),
    Route("meetings.agenda_pdf_download", EVERYONE, kwargs=_draft_with_pdf, state="agenda draft", hidden_from=OFFICE),
]
