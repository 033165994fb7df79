"""Briefings in the access grid (tests/access_grid.py): OPCC staff only."""

from tests.access_grid import OPCC, Route
from tests.briefings.factories import make_briefing, pdf_bytes
from vawg_group.briefings import services
from vawg_group.extensions import db


def _briefing(world, office):
    return {"briefing_id": make_briefing(author=world.users["opcc_staff"]).id}


def _figure(world, office):
    staff = world.users["opcc_staff"]
    briefing = make_briefing(author=staff, figures=({"label": "Referrals", "value": "184"},))
    return {"briefing_id": briefing.id, "figure_id": briefing.key_figures[0].id}


def _attachment(world, office):
    staff = world.users["opcc_staff"]
    briefing = make_briefing(author=staff)
    attachment = services.add_attachment(briefing, by=staff, filename="report.pdf", data=pdf_bytes())
    db.session.commit()
    return {"briefing_id": briefing.id, "attachment_id": attachment.id}


def _step(step):
    return lambda world, office: {**_briefing(world, office), "step": step}


ACCESS_ROWS = [
    Route("briefings.index", OPCC),
    Route("briefings.new", OPCC),
    Route("briefings.new", OPCC, method="POST", expect=200),
    Route("briefings.show", OPCC, kwargs=_briefing),
    Route("briefings.edit", OPCC, kwargs=_briefing),
    Route("briefings.edit", OPCC, kwargs=_briefing, method="POST", expect=200),
    Route("briefings.add_figure", OPCC, kwargs=_briefing, method="POST", expect=200),
    Route("briefings.remove_figure", OPCC, kwargs=_figure, method="POST", expect=302),
    Route("briefings.upload", OPCC, kwargs=_briefing, method="POST", expect=200),
    Route("briefings.download_attachment", OPCC, kwargs=_attachment),
    Route("briefings.remove_attachment", OPCC, kwargs=_attachment, method="POST", expect=302),
    Route("briefings.transition", OPCC, kwargs=_step("submit"), method="POST", expect=302),
]
