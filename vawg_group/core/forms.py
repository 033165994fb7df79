"""What every domain's forms share."""

from __future__ import annotations

from collections.abc import Iterable

from flask_wtf import FlaskForm
from wtforms import SelectChoice


def choices(pairs: Iterable[tuple[str, str]]) -> list[SelectChoice]:
    """(value, label) pairs as the options of a select, radio or checkbox field.

    WTForms 3.3 deprecates choices given as tuples (3.4 removes them); the pytest configuration
    turns its deprecation warnings into errors, so a form that slips back fails the tests.
    """
    return [SelectChoice(value, label) for value, label in pairs]


class ConfirmForm(FlaskForm):
    """Nothing but the CSRF token, for the buttons that change state."""
