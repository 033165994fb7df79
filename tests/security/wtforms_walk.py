"""Every WTForms form class in the app, and its fields, found by walking the package."""

from __future__ import annotations

import importlib
from pathlib import Path

from flask_wtf import FlaskForm
from wtforms import Form
from wtforms.fields import DateField, DateTimeField, EmailField, HiddenField, SearchField, StringField, TextAreaField, URLField
from wtforms.fields.core import UnboundField

import vawg_group

# Field classes a person types free text into (dates and numbers are StringField subclasses too,
# but they only keep what parses).
FREE_TEXT = (StringField, TextAreaField, SearchField, EmailField, URLField)
NOT_FREE_TEXT = (DateField, DateTimeField, HiddenField)


def all_form_classes() -> list[type[Form]]:
    """Form classes defined in any module of vawg_group (modules are imported to find them)."""
    # By file, not pkgutil: some domain folders are namespace packages (no __init__.py), which
    # pkgutil does not descend into.
    root = Path(vawg_group.__file__).resolve().parent
    for path in sorted(root.rglob("*.py")):
        if path.stem in ("forms", "views", "admin_views"):
            importlib.import_module(".".join(("vawg_group", *path.relative_to(root).with_suffix("").parts)))
    found, stack = [], [FlaskForm]
    while stack:
        cls = stack.pop()
        for sub in cls.__subclasses__():
            stack.append(sub)
            if sub.__module__.startswith("vawg_group."):
                found.append(sub)
    return sorted(set(found), key=lambda c: (c.__module__, c.__name__))


def fields_of(cls: type[Form]) -> dict[str, UnboundField]:
    return {
        name: value for name in dir(cls) if not name.startswith("_") and isinstance(value := getattr(cls, name), UnboundField)
    }


def free_text_fields(cls: type[Form]) -> list[str]:
    return sorted(
        name
        for name, unbound in fields_of(cls).items()
        if issubclass(unbound.field_class, FREE_TEXT) and not issubclass(unbound.field_class, NOT_FREE_TEXT)
    )
