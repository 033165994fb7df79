"""Packs in the access grid (tests/access_grid.py): everyone reads published packs; OPCC staff
compile, prepare and publish them, and alone see superseded and unpublished versions."""

from tests.access_grid import EVERYONE, OPCC, Route
from tests.packs.factories import make_pack, make_pack_with_attachment, make_published_pack


def _pack(world, office):
    pack, _ = make_published_pack(staff=world.users["opcc_staff"])
    return {"pack_id": pack.id}


def _draft(world, office):
    pack, _, _ = make_pack(staff=world.users["opcc_staff"])
    return {"pack_id": pack.id}


def _version(world, office):
    pack, version = make_published_pack(staff=world.users["opcc_staff"])
    return {"pack_id": pack.id, "version_id": version.id}


def _attachment(world, office):
    pack, _, attachment = make_pack_with_attachment()
    return {"pack_id": pack.id, "attachment_id": attachment.id}


ACCESS_ROWS = [
    Route("packs.index", EVERYONE),
    Route("packs.new", OPCC),
    Route("packs.new", OPCC, method="POST", expect=200),
    Route("packs.show", EVERYONE, kwargs=_pack),
    Route("packs.choose_briefings", OPCC, kwargs=_draft, method="POST", expect=302),
    Route("packs.prepare", OPCC, kwargs=_draft, method="POST", expect=302),
    Route("packs.publish", OPCC, kwargs=_draft, method="POST", expect=302),
    Route("packs.retry_render", OPCC, kwargs=_version, method="POST", expect=302),
    Route("packs.download", EVERYONE, kwargs=_pack),
    Route("packs.download_attachment", EVERYONE, kwargs=_attachment),
    Route("packs.download_version", OPCC, kwargs=_version),
]
