"""The intake form's answers as the "check your answers" page shows them and carries them.

Nothing about a case is stored before it is sent: the answers page carries every answer back in
its own form (hidden inputs) and shows each in words, with a button that returns to the form at
that question with every answer kept.
"""

from __future__ import annotations

from dataclasses import dataclass

from vawg_group.casework.models import AGENCY_LABELS, THEME_LABELS

# The intake form's fields the answers page carries, in the form's order.
CARRIED = (
    "reference",
    "themes",
    "summary",
    "ask",
    "agency",
    "agency_other",
    "consent_to_share",
    "may_raise_anonymised",
    "submission_token",
    "screening_digest",
    "confirm_screening",
)
YES_NO_WORDS = {"yes": "Yes", "no": "No"}


@dataclass(frozen=True)
class Answer:
    field: str  # the form field (and the id the Change button returns to)
    question: str
    words: str


def answer_rows(form) -> list[Answer]:
    """Each question of the intake ``form`` with its answer in words."""
    agency = AGENCY_LABELS.get(form.agency.data or "", "")
    if form.agency.data == "other" and (form.agency_other.data or "").strip():
        agency = f"Other: {form.agency_other.data.strip()}"
    return [
        Answer("reference", form.reference.label.text, (form.reference.data or "").strip()),
        Answer("themes", form.themes.label.text, ", ".join(THEME_LABELS.get(t, t) for t in form.themes.data or [])),
        Answer("summary", form.summary.label.text, form.summary.data or ""),
        Answer("ask", form.ask.label.text, form.ask.data or ""),
        Answer("agency", form.agency.label.text, agency),
        Answer("consent_to_share", form.consent_to_share.label.text, YES_NO_WORDS.get(form.consent_to_share.data or "", "")),
        Answer(
            "may_raise_anonymised",
            form.may_raise_anonymised.label.text,
            YES_NO_WORDS.get(form.may_raise_anonymised.data or "", ""),
        ),
    ]


def carried_values(form) -> list[tuple[str, str]]:
    """(name, value) pairs for the answers page's hidden inputs: the form as it was sent."""
    pairs = []
    for name in CARRIED:
        field = form[name]
        if name == "themes":
            pairs.extend(("themes", theme) for theme in field.data or [])
        elif name == "confirm_screening":
            if field.data:
                pairs.append((name, "y"))
        elif field.data:
            pairs.append((name, str(field.data)))
    return pairs
