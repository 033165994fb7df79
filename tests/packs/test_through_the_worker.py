"""The whole path through the real worker and a real SMTP server on loopback: prepare, render
in the worker, publish, notices arrive (with the PDF only when OFFICIAL), copies rendered."""

from email import policy

from tests.factories import make_office, make_user
from tests.packs.factories import make_pack, run_worker
from tests.pdf_reading import page_texts
from vawg_group.core.roles import Role
from vawg_group.extensions import db
from vawg_group.packs import rendering, services
from vawg_group.packs.models import PackCopy, RenderStatus


def _people():
    office = make_office()
    return make_user(role=Role.MEMBER, office=office), make_user(role=Role.ASSISTANT, office=office)


def test_an_official_pack_renders_in_the_worker_and_arrives_attached(mail_app, mail_server):
    member, assistant = _people()
    pack, staff, _ = make_pack(classifications=("OFFICIAL",))
    version = services.prepare(pack, by=staff)
    assert version.render_status == RenderStatus.QUEUED
    run_worker(mail_app)
    db.session.refresh(version)
    assert version.render_status == RenderStatus.READY and version.page_count >= 4
    services.publish(pack, by=staff)
    run_worker(mail_app)
    arrived = mail_server.by_recipient()
    assert sorted(arrived) == sorted([member.email, assistant.email])
    for address in arrived:
        [received] = arrived[address]
        message = received.message
        assert "briefing pack for the meeting on 8 December 2026" in message["Subject"]
        [attachment] = [part for part in message.iter_attachments()]
        assert attachment.get_content_type() == "application/pdf"
        data = attachment.get_content()
        assert data == rendering.cached_path(version.input_hash).read_bytes()
        assert "OFFICIAL" in page_texts(data)[0]


def test_an_official_sensitive_pack_arrives_as_a_link_and_copies_are_rendered(mail_app, mail_server):
    member, assistant = _people()
    pack, staff, _ = make_pack(classifications=("OFFICIAL-SENSITIVE",))
    version = services.prepare(pack, by=staff)
    run_worker(mail_app)
    services.publish(pack, by=staff)
    run_worker(mail_app)
    arrived = mail_server.by_recipient()
    assert sorted(arrived) == sorted([member.email, assistant.email])
    for address in arrived:
        [received] = arrived[address]
        assert list(received.message.iter_attachments()) == []
        body = received.message.get_body(preferencelist=("plain",)).get_content()
        assert f"/packs/{pack.id}" in body and "not attached" in body
        assert b"%PDF" not in received.raw
    copies = db.session.query(PackCopy).filter_by(version_id=version.id).all()
    assert {c.user_id for c in copies} == {member.id, assistant.id}
    assert all(c.render_status == RenderStatus.READY for c in copies)
    for copy in copies:
        texts = page_texts(rendering.cached_path(copy.input_hash).read_bytes())
        name = db.session.get(type(member), copy.user_id).display_name
        assert all(f"Prepared for {name}" in text.replace("\n", " ") for text in texts)
