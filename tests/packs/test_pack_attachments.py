"""A briefing's attachments reach those who read the pack: listed on the published pack's page
(name, type, size, classification) and downloadable there, access-checked and audited. What
travels is what the briefings held when the version was prepared."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from tests.briefings.factories import make_briefing, make_staff, pdf_bytes
from tests.conftest import sign_in
from tests.factories import make_office, make_user
from tests.packs.factories import make_pack, make_pack_with_attachment
from vawg_group.briefings import services as briefings
from vawg_group.core.audit import AuditEvent
from vawg_group.core.roles import Role
from vawg_group.extensions import db
from vawg_group.packs import services


def test_members_see_and_download_the_attachments_and_it_is_audited(app, client):
    member = make_user(role=Role.MEMBER, office=make_office())
    pack, version, attachment = make_pack_with_attachment()
    sign_in(client, member)
    page = client.get(f"/packs/{pack.id}").get_data(as_text=True)
    link = f"/packs/{pack.id}/attachments/{attachment.id}"
    assert f'href="{link}"' in page
    assert "refuge-places.pdf" in page and "OFFICIAL-SENSITIVE" in page and "PDF," in page

    response = client.get(link)
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert response.headers["Content-Disposition"].startswith("attachment;")
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.data == pdf_bytes("refuge places table")
    [row] = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "pack.attachment_downloaded")).all()
    assert (row.actor_id, row.object_id) == (member.id, str(pack.id))
    assert row.detail == {"version_id": version.id, "attachment_id": attachment.id, "briefing_id": attachment.briefing_id}


def test_an_attachment_added_after_the_version_was_prepared_is_not_in_it(app, client):
    member = make_user(role=Role.MEMBER, office=make_office())
    pack, version, first = make_pack_with_attachment()
    later = briefings.add_attachment(first.briefing, by=make_staff(), filename="later.pdf", data=pdf_bytes("later"))
    later.uploaded_dt = version.prepared_dt + timedelta(minutes=5)
    db.session.commit()
    assert [a.id for a in services.attachments_of(version)] == [first.id]
    sign_in(client, member)
    assert "later.pdf" not in client.get(f"/packs/{pack.id}").get_data(as_text=True)
    assert client.get(f"/packs/{pack.id}/attachments/{later.id}").status_code == 404


def test_a_draft_packs_attachments_do_not_exist_for_members(app, client):
    member = make_user(role=Role.MEMBER, office=make_office())
    staff, reviewer = make_staff(), make_staff()
    briefing = make_briefing(author=staff)
    attachment = briefings.add_attachment(briefing, by=staff, filename="draft.pdf", data=pdf_bytes())
    briefings.submit_for_review(briefing, by=staff)
    briefings.approve(briefing, by=reviewer)
    db.session.commit()
    pack, _, _ = make_pack(staff=staff, briefings=[briefing])
    sign_in(client, member)
    assert client.get(f"/packs/{pack.id}/attachments/{attachment.id}").status_code == 404
    # An attachment of a briefing in no pack is not reached through a published pack either.
    other_pack, _, _ = make_pack_with_attachment()
    assert client.get(f"/packs/{other_pack.id}/attachments/{attachment.id}").status_code == 404
