"""Asking for one's stamped copy: the pending page's refresh asks the worker nothing new, a
failed copy says why and is tried again once per visit; and a version rendered after a deploy
changed its key is still the PDF its readers download."""

from __future__ import annotations

from sqlalchemy import func, select

from tests.conftest import sign_in
from tests.factories import make_office, make_user
from tests.packs.factories import make_pack
from vawg_group.core.roles import Role
from vawg_group.extensions import db
from vawg_group.packs import rendering, services, tasks
from vawg_group.packs.models import RenderStatus
from vawg_group.workflow.models import DomainEvent


def _copy_requests() -> int:
    return db.session.scalar(select(func.count()).select_from(DomainEvent).where(DomainEvent.event_type == "pack.copy_requested"))


def _published_sensitive_pack():
    pack, staff, _ = make_pack(classifications=("OFFICIAL-SENSITIVE",))
    version = services.prepare(pack, by=staff)
    db.session.commit()
    assert tasks.render_version(version.id) == RenderStatus.READY
    return pack, staff


def test_the_pending_pages_refresh_asks_the_worker_nothing_new(app, client):
    pack, staff = _published_sensitive_pack()
    services.publish(pack, by=staff)
    db.session.commit()
    # A member registered after publication: no copy was made for them then.
    member = make_user(role=Role.MEMBER, office=make_office())
    sign_in(client, member)
    for _ in range(3):
        response = client.get(f"/packs/{pack.id}/download")
        assert response.status_code == 202 and "Your copy is being prepared" in response.get_data(as_text=True)
    assert _copy_requests() == 1


def test_a_failed_copy_says_why_and_is_tried_again(app, client):
    member = make_user(role=Role.MEMBER, office=make_office())
    pack, staff = _published_sensitive_pack()
    version = services.publish(pack, by=staff)
    copy = services.find_copy(version, member)
    copy.render_status, copy.render_error = RenderStatus.FAILED, "no font can print a character in the name"
    db.session.commit()
    sign_in(client, member)
    page = client.get(f"/packs/{pack.id}/download").get_data(as_text=True)
    assert "The last try to make your copy failed (no font can print a character in the name)" in page
    db.session.expire_all()
    assert copy.render_status == RenderStatus.QUEUED and _copy_requests() == 1


def test_a_version_rendered_after_its_key_changed_is_still_downloadable(app, client):
    member = make_user(role=Role.MEMBER, office=make_office())
    pack, staff, _ = make_pack(classifications=("OFFICIAL",))
    version = services.prepare(pack, by=staff)
    # As if the stylesheets changed in a deploy between preparing and rendering.
    version.input_hash = "0" * 64
    db.session.commit()
    assert tasks.render_version(version.id) == RenderStatus.READY
    db.session.refresh(version)
    assert version.input_hash != "0" * 64 and rendering.cached_path(version.input_hash).exists()
    services.publish(pack, by=staff)
    db.session.commit()
    sign_in(client, member)
    response = client.get(f"/packs/{pack.id}/download")
    assert response.status_code == 200 and response.data[:5] == b"%PDF-"
