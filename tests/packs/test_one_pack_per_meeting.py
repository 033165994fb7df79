"""A meeting has one pack: a second is refused with a pointer to the first (members would
otherwise see two "New pack" notices for one meeting, and a correction is a new version)."""

from datetime import date

import pytest

from tests.briefings.factories import make_staff
from tests.conftest import post_form, sign_in
from tests.cycle.helpers import make_meeting
from vawg_group.core.validation import ValidationError
from vawg_group.extensions import db
from vawg_group.packs import services


def test_a_second_pack_for_a_meeting_is_refused(app):
    staff = make_staff()
    meeting = make_meeting(date(2026, 12, 8))
    services.create_pack(by=staff, meeting_date=None, occurrence_id=meeting.id)
    db.session.commit()
    with pytest.raises(ValidationError, match="already has a pack"):
        services.create_pack(by=staff, meeting_date=None, occurrence_id=meeting.id)


def test_a_pack_made_for_the_meetings_date_counts_as_its_pack(app):
    staff = make_staff()
    meeting = make_meeting(date(2026, 12, 8))
    services.create_pack(by=staff, meeting_date=date(2026, 12, 8))
    db.session.commit()
    with pytest.raises(ValidationError, match="8 December 2026 already has a pack"):
        services.create_pack(by=staff, meeting_date=None, occurrence_id=meeting.id)


def test_the_form_says_so_and_keeps_what_was_typed(app, client):
    staff = make_staff()
    meeting = make_meeting(date(2027, 1, 12))
    services.create_pack(by=staff, meeting_date=None, occurrence_id=meeting.id)
    db.session.commit()
    sign_in(client, staff)
    response = post_form(client, "/packs/new", {"title": "Second pack for January", "occurrence_id": str(meeting.id)})
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "govuk-error-summary" in page and "already has a pack" in page
    assert 'value="Second pack for January"' in page
