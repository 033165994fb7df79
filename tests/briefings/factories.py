"""Briefing test data: functions with keyword defaults; every name is invented."""

from __future__ import annotations

import io
import itertools
import zipfile

from tests.factories import make_user
from vawg_group.briefings import services
from vawg_group.briefings.models import Briefing
from vawg_group.core.roles import Role
from vawg_group.extensions import db

_counter = itertools.count(1)


def make_staff(**kwargs):
    return make_user(role=Role.OPCC_STAFF, **kwargs)


def make_briefing(
    *,
    author=None,
    title: str | None = None,
    summary: str = "What members need to know this month.",
    body_markdown: str = "## Background\n\nThe programme continues.\n\n* one\n* two",
    themes: tuple[str, ...] = ("domestic_abuse",),
    sources: str = "PCC for Lancashire annual report 2024/25",
    classification: str = "OFFICIAL",
    figures: tuple[dict, ...] = (),
    approved_by=None,
) -> Briefing:
    """A briefing; with ``approved_by`` it is sent for review by its author and approved."""
    author = author or make_staff()
    briefing = services.create_briefing(
        by=author,
        title=title or f"Test briefing {next(_counter)}",
        summary=summary,
        body_markdown=body_markdown,
        themes=list(themes),
        sources=sources,
        classification=classification,
    )
    for figure in figures:
        services.add_key_figure(briefing, by=author, **figure)
    if approved_by is not None:
        services.submit_for_review(briefing, by=author)
        services.approve(briefing, by=approved_by)
    db.session.commit()
    return briefing


def pdf_bytes(text: str = "hello") -> bytes:
    return b"%PDF-1.4\n1 0 obj<<>>endobj\n% " + text.encode() + b"\ntrailer<<>>\n%%EOF\n"


def office_package(kind: str, *, macro: bool = False, extra: dict[str, bytes] | None = None) -> bytes:
    """A minimal DOCX or XLSX package (a ZIP with the parts that name it)."""
    main = {"docx": "word/document.xml", "xlsx": "xl/workbook.xml"}[kind]
    content_type = "application/vnd.ms-word.document.macroEnabled.main+xml" if macro else "application/xml"
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as package:
        package.writestr("[Content_Types].xml", f'<Types><Override PartName="/{main}" ContentType="{content_type}"/></Types>')
        package.writestr(main, "<document/>")
        for name, data in (extra or {}).items():
            package.writestr(name, data)
    return buffer.getvalue()
