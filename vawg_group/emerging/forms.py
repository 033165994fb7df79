"""Forms for withdrawing a note and dismissing a signal: a reason each (named apart, so the
services' ``reason`` errors are put on the field the form has)."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import TextAreaField


class WithdrawForm(FlaskForm):
    withdrawal_reason = TextAreaField("Why is the note withdrawn?")


class DismissForm(FlaskForm):
    dismissal_reason = TextAreaField("Why is the signal dismissed?")
