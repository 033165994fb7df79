"""Taking an erased case off the agendas that carried it.

A case put forward for discussion sits on an agenda as the anonymised summary staff wrote
(linked to the case by ``linked_id``). When the case is erased (casework/erasure.py) that
summary goes too: the item stays, so the agenda's order and minutes hold, but says only that it
was withdrawn, and the rendered agenda PDF, which prints the summary, is deleted. Returns the
meetings whose agenda had been published with it, which must be issued again.
"""

from __future__ import annotations

from sqlalchemy import select

from vawg_group.extensions import db
from vawg_group.meetings import agenda_pdf
from vawg_group.meetings.models import AgendaItem, Occurrence


def withdraw_casework(case_id: int, *, note: str) -> list[Occurrence]:
    """Replace the erased case's summary on every agenda item with ``note``; see the module."""
    items = db.session.scalars(
        select(AgendaItem).where(AgendaItem.linked_type == "casework", AgendaItem.linked_id == case_id)
    ).all()
    published: list[Occurrence] = []
    for item in items:
        item.description = note
        item.linked_id = None
        occurrence = item.occurrence
        if occurrence.agenda_pdf_name:
            path = agenda_pdf.storage_dir() / occurrence.agenda_pdf_name
            path.unlink(missing_ok=True)
            occurrence.agenda_pdf_name = None
        if occurrence.agenda_published_dt is not None and occurrence not in published:
            published.append(occurrence)
    db.session.flush()
    return published
