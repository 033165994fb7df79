"""Publishing, notices, corrections, downloads and who has opened the pack."""

from datetime import date

import pytest
import time_machine

from tests.briefings.factories import make_briefing, make_staff
from tests.conftest import fetch_csrf_token, post_form, sign_in
from tests.factories import make_office, make_user
from tests.packs.factories import make_pack
from tests.pdf_reading import page_texts
from vawg_group.briefings import services as briefing_services
from vawg_group.core.audit import AuditEvent
from vawg_group.core.roles import Role
from vawg_group.core.validation import ValidationError
from vawg_group.extensions import db
from vawg_group.packs import handlers, rendering, services, tasks
from vawg_group.packs.models import Pack, PackCopy, PackStatus, RenderStatus
from vawg_group.workflow import registry
from vawg_group.workflow.events import timeline
from vawg_group.workflow.models import Delivery, DomainEvent


def _ready(pack, staff, **kwargs):
    version = services.prepare(pack, by=staff, **kwargs)
    db.session.commit()
    tasks.render_version(version.id)
    db.session.refresh(version)
    assert version.render_status == RenderStatus.READY
    return version


def _office_people():
    office = make_office()
    member = make_user(role=Role.MEMBER, office=office, display_name="Winnie Ashgrove")
    assistant = make_user(role=Role.ASSISTANT, office=office, display_name="Len Pardoe")
    make_user(role=Role.ASSISTANT, office=office, is_active=False)
    closed = make_office(is_active=False)
    make_user(role=Role.MEMBER, office=closed)
    return member, assistant


def _deliveries_for(event: DomainEvent, handler_name: str = "vawg_group.packs.handlers.tell_recipients"):
    [(name, function)] = [(n, f) for n, f in registry.handlers_for(event.event_type) if n == handler_name]
    return list(function(event))


# -------------------------------------------------------------- bad input: nothing half-published


def test_an_empty_pack_cannot_be_prepared(app):
    staff = make_staff()
    pack = services.create_pack(by=staff, meeting_date=date(2026, 12, 8))
    with pytest.raises(ValidationError, match="The pack is empty"):
        services.prepare(pack, by=staff)


def test_an_unapproved_briefing_cannot_go_in_a_pack(app):
    staff = make_staff()
    draft = make_briefing(author=staff, title="Still a draft")
    pack = services.create_pack(by=staff, meeting_date=date(2026, 12, 8))
    with pytest.raises(ValidationError, match="“Still a draft” is not approved"):
        services.set_briefings(pack, [draft.id], by=staff)


def test_a_briefing_changed_after_preparing_blocks_publishing(app):
    pack, staff, briefings = make_pack()
    _ready(pack, staff)
    briefing_services.add_key_figure(briefings[0], by=staff, label="Late figure", value="3")
    db.session.commit()
    with pytest.raises(ValidationError, match="no longer approved"):
        services.publish(pack, by=staff)
    db.session.rollback()
    assert db.session.get(Pack, pack.id).status == PackStatus.DRAFT
    assert db.session.query(DomainEvent).filter(DomainEvent.event_type.like("pack.publish%")).count() == 0


def test_a_pack_cannot_be_published_before_its_pdf_is_ready(app):
    pack, staff, _ = make_pack()
    services.prepare(pack, by=staff)
    with pytest.raises(ValidationError, match="not ready yet"):
        services.publish(pack, by=staff)
    assert pack.status == PackStatus.DRAFT


def test_changing_the_order_after_preparing_needs_a_new_preparation(app):
    pack, staff, briefings = make_pack()
    _ready(pack, staff)
    services.set_briefings(pack, [b.id for b in reversed(briefings)], by=staff)
    with pytest.raises(ValidationError, match="changed since this version was prepared"):
        services.publish(pack, by=staff)


def test_preparing_queues_a_render_for_the_worker(app):
    pack, staff, _ = make_pack()
    version = services.prepare(pack, by=staff)
    db.session.commit()
    [event] = [e for e in timeline(version) if e.event_type == "pack.render_requested"]
    [send] = list(handlers.queue_render(event))
    assert (send.channel, send.message, send.params) == (registry.TASK, "packs.render_version", {"version_id": version.id})


# -------------------------------------------------------------- publishing and notices


def test_publishing_tells_every_member_and_assistant_with_the_pdf_attached_when_official(app):
    member, assistant = _office_people()
    pack, staff, _ = make_pack(classifications=("OFFICIAL",))
    version = _ready(pack, staff)
    services.publish(pack, by=staff)
    db.session.commit()
    [event] = [e for e in timeline(pack) if e.event_type == "pack.published"]
    sends = _deliveries_for(event)
    assert sorted(s.recipient for s in sends) == sorted([member.email, assistant.email])
    assert all(s.channel == registry.EMAIL and s.message == handlers.NOTICE for s in sends)

    delivery = Delivery(
        event_id=event.id,
        handler="h",
        recipient=member.email,
        channel="email",
        message=handlers.NOTICE,
        params=sends[0].params,
        message_id="m",
    )
    message = registry.message_builder(handlers.NOTICE)(delivery)
    assert message.subject == "VAWG Group: briefing pack for the meeting on 8 December 2026"
    assert "\n" not in message.subject
    assert f"http://127.0.0.1:5000/packs/{pack.id}\n" in message.text and "sign in" in message.text
    [attachment] = message.attachments
    assert attachment.content_type == "application/pdf"
    assert attachment.data == rendering.cached_path(version.input_hash).read_bytes()


def test_an_official_sensitive_pack_is_never_attached(app):
    member, assistant = _office_people()
    pack, staff, _ = make_pack(classifications=("OFFICIAL-SENSITIVE",))
    _ready(pack, staff)
    services.publish(pack, by=staff)
    db.session.commit()
    [event] = [e for e in timeline(pack) if e.event_type == "pack.published"]
    sends = _deliveries_for(event)
    notices = [s for s in sends if s.channel == registry.EMAIL]
    copies = [s for s in sends if s.channel == registry.TASK]
    assert len(notices) == 2 and len(copies) == 2
    assert {c.user_id for c in copies} == {member.id, assistant.id}
    delivery = Delivery(
        event_id=event.id,
        handler="h",
        recipient=member.email,
        channel="email",
        message=handlers.NOTICE,
        params=notices[0].params,
        message_id="m",
    )
    message = registry.message_builder(handlers.NOTICE)(delivery)
    assert message.attachments == ()
    assert "not attached" in message.text
    # Stamped copies are queued for everyone at publication.
    assert db.session.query(PackCopy).filter_by(render_status=RenderStatus.QUEUED).count() == 2


def test_a_correction_makes_version_two_supersedes_one_and_tells_recipients_what_changed(app, client):
    member, _ = _office_people()
    pack, staff, briefings = make_pack(classifications=("OFFICIAL",))
    first = _ready(pack, staff)
    services.publish(pack, by=staff)
    db.session.commit()
    with pytest.raises(ValidationError, match="Say what has changed"):
        services.prepare(pack, by=staff)
    second = _ready(pack, staff, change_summary="Corrected the Drive referral figure")
    services.publish(pack, by=staff)
    db.session.commit()
    assert (first.number, second.number) == (1, 2)
    assert first.superseded_dt is not None and second.superseded_dt is None
    assert pack.current_version.id == second.id
    [event] = [e for e in timeline(pack) if e.event_type == "pack.reissued"]
    notice = [s for s in _deliveries_for(event) if s.recipient == member.email][0]
    delivery = Delivery(
        event_id=event.id,
        handler="h",
        recipient=member.email,
        channel="email",
        message=handlers.NOTICE,
        params=notice.params,
        message_id="m",
    )
    message = registry.message_builder(handlers.NOTICE)(delivery)
    assert "version 2" in message.subject
    assert "What changed: Corrected the Drive referral figure" in message.text

    sign_in(client, member)
    response = client.get(f"/packs/{pack.id}/download")
    assert response.status_code == 200
    cover = page_texts(response.data)[0]
    assert "Version 2" in cover and "Corrected the Drive referral figure" in cover
    # Version 1 is kept for staff only.
    assert client.get(f"/packs/{pack.id}/versions/{first.id}/download").status_code == 403
    staff_client = app.test_client()
    sign_in(staff_client, staff)
    old = staff_client.get(f"/packs/{pack.id}/versions/{first.id}/download")
    assert old.status_code == 200 and "Version 1" in page_texts(old.data)[0]
    page = staff_client.get(f"/packs/{pack.id}").get_data(as_text=True)
    assert "Superseded" in page


# -------------------------------------------------------------- downloads


def test_downloads_are_audited_and_staff_see_who_has_not_opened(app, client):
    member, assistant = _office_people()
    pack, staff, _ = make_pack(classifications=("OFFICIAL",))
    _ready(pack, staff)
    services.publish(pack, by=staff)
    db.session.commit()
    sign_in(client, member)
    response = client.get(f"/packs/{pack.id}/download")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "application/pdf"
    assert response.headers["Content-Disposition"].startswith("attachment;")
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    [row] = db.session.query(AuditEvent).filter_by(action="pack.downloaded").all()
    assert (row.actor_id, row.object_type, row.object_id) == (member.id, "pack", str(pack.id))
    assert services.openers(pack) == {member.id}

    staff_client = app.test_client()
    sign_in(staff_client, staff)
    page = staff_client.get(f"/packs/{pack.id}").get_data(as_text=True)
    assert "1 of 2 members and assistants have downloaded it" in page
    row_for = lambda name: page.split(name, 1)[1].split("</tr>", 1)[0]  # noqa: E731
    assert "Yes" in row_for("Winnie Ashgrove") and "Not yet" in row_for("Len Pardoe")


def test_a_sensitive_download_is_the_readers_own_stamped_copy(app, client):
    member, _ = _office_people()
    pack, staff, _ = make_pack(classifications=("OFFICIAL-SENSITIVE",))
    _ready(pack, staff)
    with time_machine.travel("2026-11-30 09:00:00+00:00", tick=False):
        services.publish(pack, by=staff)
    db.session.commit()
    sign_in(client, member)
    # Not rendered yet: the reader is told, and nothing is audited as opened.
    pending = client.get(f"/packs/{pack.id}/download")
    assert pending.status_code == 202
    assert "being prepared" in pending.get_data(as_text=True)
    assert services.openers(pack) == set()
    assert tasks.render_queued() >= 1
    response = client.get(f"/packs/{pack.id}/download")
    assert response.status_code == 200
    for number, text in enumerate(page_texts(response.data), start=1):
        assert "Prepared for Winnie Ashgrove, 30" in text and "November 2026" in text, f"page {number}"
    db.session.expire_all()
    assert services.openers(pack) == {member.id}


def test_members_see_only_published_packs_and_no_staff_pages(app, client):
    member, _ = _office_people()
    pack, staff, _ = make_pack()
    sign_in(client, member)
    assert client.get(f"/packs/{pack.id}").status_code == 404
    assert client.get(f"/packs/{pack.id}/download").status_code == 404
    assert pack.title not in client.get("/packs/").get_data(as_text=True) or "No packs yet" in client.get("/packs/").get_data(
        as_text=True
    )
    for path in ("/packs/new",):
        assert client.get(path).status_code == 403
    response = client.post(f"/packs/{pack.id}/publish", data={"csrf_token": fetch_csrf_token(client, "/packs/")})
    assert response.status_code == 403


def test_members_home_page_shows_a_new_pack_until_they_open_it(app, client):
    member, _ = _office_people()
    pack, staff, _ = make_pack(meeting_date=date(2026, 12, 8))
    _ready(pack, staff)
    services.publish(pack, by=staff)
    db.session.commit()
    with time_machine.travel("2026-12-01 09:00:00+00:00", tick=False):
        sign_in(client, member)
        home = client.get("/").get_data(as_text=True)
        assert "New pack" in home and "meeting on 8 December 2026 is ready" in home
        client.get(f"/packs/{pack.id}/download")
        assert "New pack" not in client.get("/").get_data(as_text=True)


# -------------------------------------------------------------- the staff pages


def test_staff_compile_prepare_and_see_the_render_state(app, client):
    staff, reviewer = make_staff(), make_staff()
    first = make_briefing(author=staff, approved_by=reviewer, title="First")
    second = make_briefing(author=staff, approved_by=reviewer, title="Second")
    sign_in(client, staff)
    response = post_form(client, "/packs/new", {"title": "Briefing pack", "meeting_date": "2026-12-08"})
    assert response.status_code == 302
    pack = db.session.query(Pack).one()
    path = f"/packs/{pack.id}"
    # Duplicate order numbers are a clear error.
    bad = post_form(client, f"{path}/briefings", {f"position-{first.id}": "1", f"position-{second.id}": "1"}, token_from=path)
    assert bad.status_code == 200 and "Give each briefing a different order number" in bad.get_data(as_text=True)
    ok = post_form(client, f"{path}/briefings", {f"position-{first.id}": "2", f"position-{second.id}": "1"}, token_from=path)
    assert ok.status_code == 302
    db.session.expire_all()
    assert [item.briefing.title for item in db.session.get(Pack, pack.id).items] == ["Second", "First"]

    assert post_form(client, f"{path}/prepare", {}, token_from=path).status_code == 302
    assert "Queued" in client.get(path).get_data(as_text=True)
    version = db.session.get(Pack, pack.id).working_version
    tasks.render_version(version.id, time_limit=0.05)
    page = client.get(path).get_data(as_text=True)
    assert "Failed" in page and "took longer than 0.05 seconds" in page
    assert post_form(client, f"{path}/prepare", {}, token_from=path).status_code == 302
    tasks.render_version(version.id)
    page = client.get(path).get_data(as_text=True)
    assert "Ready" in page and "Publish version 1" in page
    assert post_form(client, f"{path}/publish", {}, token_from=path).status_code == 302
    db.session.expire_all()
    assert db.session.get(Pack, pack.id).status == PackStatus.PUBLISHED


def test_the_command_renders_what_is_queued(app):
    pack, staff, _ = make_pack()
    version = services.prepare(pack, by=staff)
    db.session.commit()
    result = app.test_cli_runner().invoke(args=["packs", "render-queued"])
    assert result.exit_code == 0, result.output
    assert "1 rendered or checked" in result.output
    db.session.expire_all()
    assert db.session.get(type(version), version.id).render_status == RenderStatus.READY


def test_staff_create_a_pack_for_a_scheduled_meeting(app, client):
    from tests.meetings.factories import make_series
    from vawg_group.core.clock import to_london, utcnow

    series = make_series()
    upcoming = [o for o in series.occurrences if o.starts_dt > utcnow()][0]
    sign_in(client, make_staff())
    form = client.get("/packs/new").get_data(as_text=True)
    assert f'value="{upcoming.id}"' in form
    response = post_form(client, "/packs/new", {"title": "Briefing pack", "occurrence_id": str(upcoming.id)})
    assert response.status_code == 302
    pack = db.session.query(Pack).one()
    assert pack.occurrence_id == upcoming.id
    assert pack.meeting_date == to_london(upcoming.starts_dt).date()
    missing = post_form(client, "/packs/new", {"title": "Briefing pack", "occurrence_id": "999999"})
    assert missing.status_code == 200 and "Choose a meeting from the list" in missing.get_data(as_text=True)
