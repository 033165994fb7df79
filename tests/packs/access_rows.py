"""Packs in the access grid (tests/access_grid.py): everyone reads published packs; OPCC staff
compile, prepare and publish them, and alone see superseded and unpublished versions. A draft
pack (core/policy.py's ``can_see_pack``) does not exist for members and assistants: 404 on its
page, and missing from the list."""

from tests.access_grid import EVERYONE, OFFICE, OPCC, Route
from tests.packs.factories import make_pack, make_pack_with_attachment, make_published_pack
from vawg_group.extensions import db


def _pack(world, office):
    pack, _ = make_published_pack(staff=world.users["opcc_staff"])
    return {"pack_id": pack.id}


def _draft(world, office):
    pack, _, _ = make_pack(staff=world.users["opcc_staff"])
    return {"pack_id": pack.id}


DRAFT_TITLE = "Grid draft pack"
PUBLISHED_TITLE = "Grid published pack"


def _draft_listed(world, office):
    make_pack(staff=world.users["opcc_staff"], title=DRAFT_TITLE)
    return {}


def _published_listed(world, office):
    pack, _ = make_published_pack(staff=world.users["opcc_staff"])
    pack.title = PUBLISHED_TITLE
    db.session.commit()
    return {}


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
    # Object rules: the same routes with the pack in each state.
    Route("packs.show", EVERYONE, kwargs=_draft, state="draft", hidden_from=OFFICE),
    Route("packs.index", EVERYONE, kwargs=_draft_listed, state="draft", hidden_from=OFFICE, markers=(DRAFT_TITLE,)),
    Route("packs.index", EVERYONE, kwargs=_published_listed, state="published", markers=(PUBLISHED_TITLE,)),
]
