"""Forms for withdrawing a note and dismissing a signal: a reason each."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import TextAreaField


class WithdrawForm(FlaskForm):
    reason = TextAreaField("Why is the note withdrawn?")


class DismissForm(FlaskForm):
    reason = TextAreaField("Why is the signal dismissed?")
