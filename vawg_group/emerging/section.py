"""The pack's "Emerging issues since the last meeting": what packs print of the notes published
since the meeting before (packs sit below emerging in the layers, so create_app hands this over)."""

from __future__ import annotations

from vawg_group.core.clock import long_date
from vawg_group.emerging import reads


def pack_section(meeting_date, occurrence_id: int | None = None) -> list[dict]:
    """Plain values, in the order the notes were published: the pack prints them and its
    fingerprint covers them (a note published or withdrawn after preparing changes the pack)."""
    return [
        {
            "note_id": note.id,
            "title": note.briefing.title,
            "summary": note.briefing.summary,
            "themes": note.briefing.theme_labels,
            "classification": note.classification,
            "published": long_date(note.published_dt),
        }
        for note in reads.notes_for_meeting(meeting_date, occurrence_id)
    ]
