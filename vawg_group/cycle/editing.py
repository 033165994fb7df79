"""OPCC admins edit the cycle's template: add, change or remove a step, then re-plan the
meetings whose cycle has not started (cycle/planning.py says which). Services flush, never commit.
"""

from __future__ import annotations

import re
from datetime import datetime

from sqlalchemy import func, select

from vawg_group.core import audit
from vawg_group.core.clock import utcnow
from vawg_group.core.validation import ValidationError
from vawg_group.cycle.models import CycleStep
from vawg_group.cycle.planning import apply_template
from vawg_group.cycle.template import check_step, ensure_template, steps
from vawg_group.extensions import db


def _slug(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", name.lower()).strip("_")[:40] or "step"


def _unique_key(name: str) -> str:
    base = _slug(name)
    key, number = base, 2
    while db.session.scalar(select(CycleStep.id).where(CycleStep.key == key)) is not None:
        suffix = f"_{number}"
        key, number = base[: 40 - len(suffix)] + suffix, number + 1
    return key


def add_step(*, by, now: datetime | None = None, **values) -> CycleStep:
    """Add a step to the template; meetings whose cycle has not started get it."""
    ensure_template()
    cleaned = check_step(values)
    position = (db.session.scalar(select(func.max(CycleStep.position))) or 0) + 1
    step = CycleStep(key=_unique_key(cleaned["name"]), position=position, **cleaned)
    db.session.add(step)
    db.session.flush()
    audit.record("cycle.step_added", actor=by, obj=step, detail={"key": step.key})
    apply_template(now=now)
    return step


def update_step(step: CycleStep, *, by, now: datetime | None = None, **values) -> CycleStep:
    cleaned = check_step(values, step=step)
    for name, value in cleaned.items():
        setattr(step, name, value)
    step.updated_dt = utcnow()
    db.session.flush()
    audit.record("cycle.step_changed", actor=by, obj=step, detail={"key": step.key})
    apply_template(now=now)
    return step


def remove_step(step: CycleStep, *, by, now: datetime | None = None) -> None:
    """Take a step out of the template. The template keeps at least one step."""
    if len(steps()) <= 1:
        raise ValidationError({"step": "The cycle needs at least one milestone: add another before removing this one"})
    key = step.key
    audit.record("cycle.step_removed", actor=by, obj=step, detail={"key": key})
    db.session.delete(step)
    db.session.flush()
    apply_template(now=now)
