"""Codes the service keeps, said in words for pages: audit actions (``casework.viewed``), the
kinds of object they are about (``casework_item``) and roles (``opcc_admin``).

Pages never show the codes themselves (#20, item 7). A code with no words of its own here is
said from its parts ("agenda_item.added" -> "Agenda item added"), so a new one still reads.
"""

from __future__ import annotations

from vawg_group.core.roles import ROLE_LABELS, Role

# The thing a code's first part names, as people call it.
SUBJECTS = {
    "casework": "Case",
    "casework_item": "Case",
    "meeting_occurrence": "Meeting",
    "meeting_series": "Meeting series",
    "meeting_action": "Meeting action",
    "user": "Person",
    "user_account": "Person",
    "sign_in": "Sign-in",
    "emerging": "Emerging issue note",
    "emerging_note": "Emerging issue note",
    "cycle": "Meeting cycle",
    "milestone": "Milestone",
}
# Whole codes whose parts would read badly.
ACTIONS = {
    "casework.viewed": "Case opened",
    "casework.list_viewed": "Office's case list opened",
    "casework.queue_viewed": "Triage queue opened",
    "casework.dashboard_viewed": "Casework dashboard opened",
    "casework.deleted_viewed": "Deleted case's page opened",
    "casework.note_added": "Note added to the case",
    "casework.status_changed": "Case status changed",
    "casework.referral_response": "Referral response recorded",
    "sign_in": "Signed in",
    "access.refused": "Access refused",
}


def _phrase(code: str) -> str:
    return code.replace("_", " ").strip()


def subject_words(code: str | None) -> str:
    """ "casework_item" -> "Case"; an unknown one from its words ("lobbying_ask" -> "Lobbying ask")."""
    if not code:
        return ""
    return SUBJECTS.get(code) or _phrase(code).capitalize()


def action_words(code: str | None) -> str:
    """ "casework.viewed" -> "Case opened"; "agenda_item.added" -> "Agenda item added"."""
    if not code:
        return ""
    if code in ACTIONS:
        return ACTIONS[code]
    subject, _, what = code.partition(".")
    if not what:
        return _phrase(subject).capitalize()
    return f"{subject_words(subject)} {_phrase(what)}"


def role_words(code: str | None) -> str:
    """ "opcc_admin" -> "OPCC administrator"."""
    try:
        return ROLE_LABELS[Role(code)]
    except ValueError:
        return _phrase(code or "")
