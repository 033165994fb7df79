"""The .ics builder fuzzed (hypothesis): every text that reaches a calendar, and recurrence rules.

tests/meetings/test_invites.py fuzzes the title of an invite. Here every text field the builder
takes (title, meeting link, attendee names and addresses, the organiser's name, the feed name)
gets arbitrary text, control characters and the characters iCalendar gives meaning to (``;``
``,`` ``:`` ``"`` and line breaks), in invites, downloads and feeds; and recurrence rules built
from RRULE's parts (with junk among them) go through the same checks the series form uses.
What comes out must parse with both icalendar and vobject with exactly the properties we put
in: one SUMMARY/LOCATION/DESCRIPTION per event, one ATTENDEE per attendee, nothing injected.
"""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, time, timedelta, timezone

import icalendar
import vobject
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from vawg_group.meetings import calendar, rules
from vawg_group.meetings.models import Occurrence

SETTINGS = settings(
    max_examples=60,
    deadline=None,
    derandomize=True,
    database=None,
    phases=[Phase.explicit, Phase.generate],
    suppress_health_check=list(HealthCheck),
)

SPECIAL = st.sampled_from(
    [
        "\r\n",
        "\n",
        "\r",
        ";",
        ",",
        ":",
        '"',
        "\\",
        "\\n",
        "BEGIN:VEVENT",
        "END:VCALENDAR",
        "ATTENDEE:mailto:x@evil.example",
        "\u2028",
        "\x85",
        "\x0b",
        "\x00",
        "\t",
        " ",
        "é",
        "🙂",
        "=",
        "%0D%0A",
    ]
)
TEXT = st.lists(
    st.one_of(SPECIAL, st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=12)), max_size=8
).map("".join)
EMAIL = st.builds(
    lambda local, extra: f"{local}{extra}@example.org",
    st.from_regex(r"[a-z][a-z0-9.]{0,12}", fullmatch=True),
    st.sampled_from(["", "+tag", ".o'neil", "-x"]),
)


def _occurrence(title: str, join_url: str, cancelled: bool, tzid: str) -> Occurrence:
    start = datetime(2026, 12, 8, 10, tzinfo=UTC)
    return Occurrence(
        title=title,
        join_url=join_url,
        tzid=tzid,
        uid=f"{uuid.uuid4()}@vawg.example",
        sequence=0,
        starts_dt=start,
        ends_dt=start + timedelta(hours=1),
        status="cancelled" if cancelled else "scheduled",
    )


def _parse(ics: str):
    ours = icalendar.Calendar.from_ical(ics)
    theirs = vobject.readOne(ics)
    return ours, theirs


def _check_event(event, theirs_event, *, attendees: int | None = None):
    names = [name for name, _value in event.property_items(recursive=False)]
    for once in ("SUMMARY", "LOCATION", "DESCRIPTION", "UID", "DTSTART", "DTEND", "ORGANIZER", "STATUS"):
        assert names.count(once) == 1, (once, names)
    assert set(names) <= {
        "BEGIN",
        "END",
        "UID",
        "SEQUENCE",
        "DTSTAMP",
        "DTSTART",
        "DTEND",
        "SUMMARY",
        "DESCRIPTION",
        "LOCATION",
        "URL",
        "STATUS",
        "TRANSP",
        "ORGANIZER",
        "ATTENDEE",
    }, names
    if attendees is not None:
        assert names.count("ATTENDEE") == attendees
    for name in ("SUMMARY", "LOCATION"):
        value = str(event[name])
        assert not any(ord(ch) < 32 for ch in value), (name, value)
    assert theirs_event.summary.value == str(event["SUMMARY"])
    assert theirs_event.location.value == str(event["LOCATION"])


@SETTINGS
@given(
    title=TEXT,
    join_url=TEXT,
    cancelled=st.booleans(),
    tzid=st.sampled_from(["Europe/London", "America/New_York", "UTC"]),
    people=st.lists(st.tuples(EMAIL, TEXT), min_size=0, max_size=4, unique_by=lambda p: p[0]),
    # Built by url_for from our own route: never free text.
    meeting_url=st.one_of(st.none(), st.integers(1, 2**31 - 1).map(lambda n: f"https://vawg.example/meetings/{n}")),
    organiser_name=TEXT,
)
def test_invites_and_downloads_parse_with_only_our_properties(
    app, title, join_url, cancelled, tzid, people, meeting_url, organiser_name
):
    # One app for all the examples (the fixture lives for the whole test).
    app.config["MEETINGS_ORGANISER_NAME"] = organiser_name
    occurrence = _occurrence(title, join_url, cancelled, tzid)
    with app.app_context():
        ics, method = calendar.invite(occurrence, attendees=people, meeting_url=meeting_url)
        ours, theirs = _parse(ics)
        assert str(ours["METHOD"]) == method == ("CANCEL" if cancelled else "REQUEST")
        [event] = ours.walk("VEVENT")
        _check_event(event, theirs.vevent, attendees=len(people))
        listed = event.get("ATTENDEE", [])
        listed = listed if isinstance(listed, list) else [listed]
        assert sorted(str(a) for a in listed) == sorted(f"mailto:{email}" for email, _ in people) or people == []
        for attendee in listed:
            cn = attendee.params.get("CN", "")
            assert not any(ord(ch) < 32 for ch in cn) and '"' not in cn
        cn = event["ORGANIZER"].params.get("CN", "")
        assert not any(ord(ch) < 32 for ch in cn) and '"' not in cn

        download = calendar.download(occurrence, meeting_url=meeting_url)
        ours, theirs = _parse(download)
        [event] = ours.walk("VEVENT")
        _check_event(event, theirs.vevent, attendees=0)


@SETTINGS
@given(name=TEXT, titles=st.lists(TEXT, min_size=1, max_size=4))
def test_feeds_parse_with_one_event_per_meeting(app, name, titles):
    occurrences = [_occurrence(title, "", False, "Europe/London") for title in titles]
    for number, occurrence in enumerate(occurrences):
        occurrence.starts_dt += timedelta(days=28 * number)
        occurrence.ends_dt += timedelta(days=28 * number)
    with app.app_context():
        feed = calendar.feed(occurrences, name=name, meeting_url=lambda o: "https://vawg.example/m")
    ours, theirs = _parse(feed)
    events = ours.walk("VEVENT")
    assert len(events) == len(occurrences) == len(theirs.vevent_list)
    for event, their_event in zip(events, theirs.vevent_list, strict=True):
        _check_event(event, their_event)
    assert not any(ord(ch) < 32 for ch in str(ours.get("X-WR-CALNAME", "")))


RULE_PARTS = st.lists(
    st.one_of(
        st.sampled_from(
            ["FREQ=WEEKLY", "FREQ=MONTHLY", "FREQ=YEARLY", "FREQ=DAILY", "FREQ=SECONDLY", "FREQ=", "FREQ=MONTHLY;FREQ=WEEKLY"]
        ),
        st.builds(lambda n: f"INTERVAL={n}", st.integers(-3, 400)),
        st.builds(
            lambda o, d: f"BYDAY={o}{d}",
            st.sampled_from(["", "1", "2", "-1", "5", "53", "0", "+2", "²"]),
            st.sampled_from(["MO", "TU", "WE", "XX", "TU,TH"]),
        ),
        st.builds(lambda n: f"BYSETPOS={n}", st.integers(-400, 400)),
        st.builds(lambda n: f"BYMONTH={n}", st.integers(-1, 14)),
        st.builds(lambda n: f"BYMONTHDAY={n}", st.integers(-32, 32)),
        st.builds(lambda n: f"COUNT={n}", st.integers(-1, 10**9)),
        st.sampled_from(["UNTIL=20270101T000000Z", "UNTIL=20270101", "UNTIL=garbage", "WKST=SU", "BYHOUR=25", "X-NAME=1", ""]),
        TEXT,
    ),
    min_size=1,
    max_size=5,
).map(";".join)


@SETTINGS
@given(rule=RULE_PARTS, prefix=st.sampled_from(["", "RRULE:", "rrule:", " "]))
def test_recurrence_rules_are_checked_and_what_passes_expands_and_describes(rule, prefix):
    try:
        cleaned = rules.normalise_rule(prefix + rule)
    except rules.RuleError as refused:
        assert str(refused)  # a message for the person, not a crash
        return
    assert "\n" not in cleaned and "\r" not in cleaned
    parsed = icalendar.vRecur.from_ical(cleaned)
    assert parsed["FREQ"]
    slots = rules.expand(
        cleaned,
        first_date=date(2026, 9, 1),
        start_time=time(10),
        end_time=time(11),
        tzid="Europe/London",
        after=date(2026, 9, 1),
        before=date(2027, 9, 1),
    )
    assert len(slots) <= 400
    assert rules.describe(cleaned, time(10), time(11))


def test_an_address_with_a_line_break_is_refused_not_written(app):
    """Addresses are validated where they enter (email-validator); should one ever hold a line
    break, the builder refuses to write it rather than write a second property."""
    import pytest

    occurrence = _occurrence("Meeting", "", False, "Europe/London")
    with pytest.raises(ValueError):
        calendar.invite(occurrence, attendees=[("someone@example.org\r\nATTENDEE:mailto:evil@evil.example", "Someone")])


def test_a_literal_backslash_n_in_a_title_stays_on_one_line(app):
    """Found by the feed fuzzing: icalendar reads a typed backslash-N as an escaped newline."""
    occurrence = _occurrence("Stalking \\N protection orders", "https://teams.example.org/x\\N", False, "Europe/London")
    with app.app_context():
        ics, _ = calendar.invite(occurrence, attendees=[], meeting_url=None)
        feed = calendar.feed([occurrence], name="Feed \\N name", meeting_url=lambda o: None)
    for text in (ics, feed):
        ours, theirs = _parse(text)
        [event] = ours.walk("VEVENT")
        _check_event(event, theirs.vevent)
        assert str(event["SUMMARY"]) == "Stalking \\n protection orders"
