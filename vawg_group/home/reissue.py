"""The papers staff must issue again (core/reissue.py), with a link to each one's page.

A notice stays on the list until the paper has been issued again after it: the agenda's PDF
made anew, or a new version of the pack published. Worked out when the page is read, so a
GET changes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import url_for
from sqlalchemy import select

from vawg_group.core import reissue
from vawg_group.extensions import db
from vawg_group.meetings.models import Occurrence
from vawg_group.packs.models import PackVersion


@dataclass(frozen=True)
class PaperToReissue:
    label: str
    reason: str
    url: str


def papers_to_reissue() -> list[PaperToReissue]:
    papers = []
    for notice in reissue.open_notices():
        kind, _, raw_id = notice.page.partition(":")
        page_id = int(raw_id)
        if kind == "meeting":
            occurrence = db.session.get(Occurrence, page_id)
            if occurrence is None or (occurrence.agenda_pdf_dt and occurrence.agenda_pdf_dt > notice.created_dt):
                continue
            url = url_for("meetings.show", occurrence_id=page_id)
        else:
            reissued = db.session.scalar(
                select(PackVersion.id).where(PackVersion.pack_id == page_id, PackVersion.published_dt > notice.created_dt)
            )
            if reissued is not None:
                continue
            url = url_for("packs.show", pack_id=page_id)
        papers.append(PaperToReissue(label=notice.label, reason=notice.reason, url=url))
    return papers
