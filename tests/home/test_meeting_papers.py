"""Members and assistants reach the next meeting's papers from their home page in one click:
the joining link, the published agenda and the published pack (or plain words that they are
not published yet); the meeting page links its pack and the pack page its meeting."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import time_machine

from tests.conftest import sign_in
from tests.cycle.helpers import make_meeting
from tests.factories import make_office, make_user
from tests.packs.factories import make_published_pack
from vawg_group.core.clock import utcnow
from vawg_group.core.roles import Role
from vawg_group.extensions import db

JOIN_URL = "https://teams.example.org/meet/vawg-december"
# A week before the meeting on 8 December 2026, whatever today's date is.
THE_WEEK_BEFORE = "2026-12-01 09:00:00+00:00"


def _publish_agenda_pdf(app, meeting) -> None:
    folder = Path(app.config["STORAGE_DIR"]) / "meetings"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"agenda-{meeting.id}.pdf").write_bytes(b"%PDF-1.7\n% agenda\n%%EOF\n")
    meeting.agenda_published_dt = utcnow()
    meeting.agenda_pdf_name = f"agenda-{meeting.id}.pdf"
    meeting.agenda_pdf_dt = meeting.agenda_published_dt
    db.session.commit()


def test_the_home_page_says_plainly_what_is_not_published_yet(app, client):
    member = make_user(role=Role.MEMBER, office=make_office())
    meeting = make_meeting(date(2026, 12, 8))
    meeting.join_url = JOIN_URL
    db.session.commit()
    with time_machine.travel(THE_WEEK_BEFORE, tick=False):
        sign_in(client, member)
        page = client.get("/").get_data(as_text=True)
    assert f'href="{JOIN_URL}"' in page and "Join the meeting online" in page
    assert "The agenda is not published yet" in page
    assert "The briefing pack is not published yet" in page
    assert "Download the" not in page


def test_a_member_downloads_the_agenda_and_pack_from_home_and_the_new_tag_clears(app, client):
    member = make_user(role=Role.MEMBER, office=make_office())
    meeting = make_meeting(date(2026, 12, 8))
    with time_machine.travel(THE_WEEK_BEFORE, tick=False):
        _publish_agenda_pdf(app, meeting)
        pack, version = make_published_pack()
        sign_in(client, member)
        page = client.get("/").get_data(as_text=True)
        assert "Join the meeting online" not in page  # no link set for this meeting
        agenda_link = f'href="/meetings/{meeting.id}/agenda.pdf"'
        pack_link = f'href="/packs/{pack.id}/download"'
        assert agenda_link in page and "Download the agenda (PDF, OFFICIAL)" in page
        assert pack_link in page and "Download the briefing pack (PDF, version 1, OFFICIAL)" in page
        assert ">New<" in page and 'id="new-pack-title"' in page

        for path in (f"/meetings/{meeting.id}/agenda.pdf", f"/packs/{pack.id}/download"):
            response = client.get(path)
            assert response.status_code == 200 and response.mimetype == "application/pdf", path
            assert response.data.startswith(b"%PDF-")

        page = client.get("/").get_data(as_text=True)
        assert ">New<" not in page and 'id="new-pack-title"' not in page
        assert pack_link in page  # still one click away


def test_the_meeting_page_links_its_pack_and_the_pack_page_its_meeting(app, client):
    member = make_user(role=Role.MEMBER, office=make_office())
    meeting = make_meeting(date(2026, 12, 8))
    with time_machine.travel(THE_WEEK_BEFORE, tick=False):
        pack, _ = make_published_pack()
        pack.occurrence_id = meeting.id
        db.session.commit()
        sign_in(client, member)
        meeting_page = client.get(f"/meetings/{meeting.id}").get_data(as_text=True)
        assert f'href="/packs/{pack.id}"' in meeting_page and "(version 1, OFFICIAL)" in meeting_page
        pack_page = client.get(f"/packs/{pack.id}").get_data(as_text=True)
        assert f'href="/meetings/{meeting.id}"' in pack_page


def test_a_draft_pack_is_not_linked_for_members(app, client):
    from tests.packs.factories import make_pack

    member = make_user(role=Role.MEMBER, office=make_office())
    meeting = make_meeting(date(2026, 12, 8))
    with time_machine.travel(THE_WEEK_BEFORE, tick=False):
        pack, _, _ = make_pack()
        pack.occurrence_id = meeting.id
        db.session.commit()
        sign_in(client, member)
        meeting_page = client.get(f"/meetings/{meeting.id}").get_data(as_text=True)
        home = client.get("/").get_data(as_text=True)
    assert f'href="/packs/{pack.id}"' not in meeting_page and "Not published yet" in meeting_page
    assert "The briefing pack is not published yet" in home
