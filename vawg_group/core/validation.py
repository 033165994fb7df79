"""How services report bad input: by field, so a form or the API can point at the culprit.

A service that refuses raises ValidationError, and raising it during a request marks the
request as refused: core/web.py then rolls the request's transaction back, whatever the view
answers (the form re-shown, or a flash and a redirect). So no view has to remember to roll
back, and a refusal worth keeping is recorded on purpose with ``audit.record_now``.
"""

from __future__ import annotations

from flask import g, has_request_context


class ValidationError(Exception):
    """One or more fields are wrong; ``errors`` maps field name to a message for the user."""

    def __init__(self, errors: dict[str, str]):
        super().__init__("; ".join(f"{field}: {message}" for field, message in errors.items()))
        self.errors = errors
        if has_request_context():
            g.request_refused = True


def request_was_refused() -> bool:
    """Whether a service refused something during this request (see the module's docstring)."""
    return has_request_context() and g.get("request_refused", False)


def apply_to_form(form, error: ValidationError) -> None:
    """Show a service's field errors on a WTForms form (unknown fields go to the summary)."""
    for field_name, message in error.errors.items():
        field = getattr(form, field_name, None)
        if field is not None and hasattr(field, "errors"):
            field.errors = list(field.errors) + [message]
        else:
            form.form_errors.append(message)
