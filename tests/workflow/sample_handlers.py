"""Handlers, message builders and a timed job the workflow tests drive (also imported by the
worker processes the tests start, through tests/workflow/worker_app.py)."""

from __future__ import annotations

from vawg_group.workflow import jobs, registry
from vawg_group.workflow.messages import CalendarPart, OutgoingMessage

FANOUT = "test.fanout"
BROKEN = "test.broken"


def recipients(count: int, prefix: str = "member") -> list[str]:
    return [f"{prefix}{number:03d}@example.org" for number in range(count)]


@registry.handler(FANOUT, name="tests.fan_out_notice")
def fan_out_notice(event):
    payload = event.payload
    return [
        registry.Send(
            recipient=address,
            message="tests.notice",
            params={"subject": payload.get("subject", "Notice"), "invite": payload.get("invite", False)},
        )
        for address in recipients(payload["count"], payload.get("prefix", "member"))
    ]


@registry.handler(BROKEN, name="tests.always_fails")
def always_fails(event):
    raise RuntimeError("this handler is broken")


@registry.message("tests.notice")
def build_notice(delivery):
    calendar = None
    if delivery.params.get("invite"):
        calendar = CalendarPart(
            ics="BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//tests//EN\r\nMETHOD:REQUEST\r\nBEGIN:VEVENT\r\n"
            "UID:test-1@example.org\r\nDTSTAMP:20261125T000000Z\r\nDTSTART:20261208T100000Z\r\n"
            "SUMMARY:Group meeting\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n",
            method="REQUEST",
        )
    return OutgoingMessage(
        to=delivery.recipient,
        subject=delivery.params.get("subject", "Notice"),
        text=f"Something happened (event {delivery.event_id}). Sign in to see it.\n",
        html=f"<p>Something happened (event {delivery.event_id}). Sign in to see it.</p>",
        calendar=calendar,
    )


@jobs.periodic("tests.hourly_check", minutes=60)
def hourly_check():
    """Does nothing itself: the tests count its runs in scheduled_job.run_count."""
