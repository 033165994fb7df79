"""How services report bad input: by field, so a form or the API can point at the culprit."""

from __future__ import annotations


class ValidationError(Exception):
    """One or more fields are wrong; ``errors`` maps field name to a message for the user."""

    def __init__(self, errors: dict[str, str]):
        super().__init__("; ".join(f"{field}: {message}" for field, message in errors.items()))
        self.errors = errors


def apply_to_form(form, error: ValidationError) -> None:
    """Show a service's field errors on a WTForms form (unknown fields go to the summary)."""
    for field_name, message in error.errors.items():
        field = getattr(form, field_name, None)
        if field is not None and hasattr(field, "errors"):
            field.errors = list(field.errors) + [message]
        else:
            form.form_errors.append(message)
