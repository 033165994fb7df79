"""Where an agenda stands: whether it may still change, and what changed since members saw it.

An agenda is part of its meeting's record once the meeting has taken place: it is kept as it
was (its minutes stay open until approved). Before then staff may change a published agenda
(add an item, put a case forward, raise the marking), and members must be told: the page says
what changed since publication and offers to publish again, and the republished notice says
what changed. What changed is worked out against a snapshot taken at each publication, and
travels in events and deliveries as counts and the marking only.
"""

from __future__ import annotations

import hashlib
from dataclasses import asdict, dataclass
from datetime import datetime

from vawg_group.core.clock import utcnow
from vawg_group.meetings.models import Occurrence
from vawg_group.meetings.services import group_invitees
from vawg_group.people.models import User

CANCELLED = "This meeting has been cancelled: its agenda cannot change"
TAKEN_PLACE = "This meeting has taken place: its agenda is kept as it was. Its minutes can still be written."


def locked_reason(occurrence: Occurrence, now: datetime | None = None) -> str | None:
    """Why the agenda can no longer change, or None while it can."""
    if occurrence.is_cancelled:
        return CANCELLED
    if occurrence.ends_dt <= (now or utcnow()):
        return TAKEN_PLACE
    return None


def notice_recipients() -> list[User]:
    """Who is emailed when an agenda is published: every member and assistant (the meeting
    page says how many before staff publish)."""
    return group_invitees()


def snapshot(occurrence: Occurrence) -> dict:
    """The agenda as published: its marking and its items in order (descriptions as digests)."""
    items = sorted(occurrence.items, key=lambda item: item.position)
    return {
        "classification": occurrence.classification,
        "items": [
            {
                "id": item.id,
                "kind": item.kind,
                "title": item.title,
                "presenter": item.presenter,
                "minutes": item.minutes,
                "description": hashlib.sha256(item.description.encode("utf-8")).hexdigest(),
            }
            for item in items
        ],
    }


@dataclass(frozen=True)
class AgendaChanges:
    added: int = 0
    removed: int = 0
    changed: int = 0
    reordered: bool = False
    marking: str | None = None  # the marking now, when it is not the one published

    def __bool__(self) -> bool:
        return bool(self.added or self.removed or self.changed or self.reordered or self.marking)

    def as_params(self) -> dict:
        return asdict(self)

    @classmethod
    def from_params(cls, params: dict | None) -> AgendaChanges | None:
        if not params:
            return None
        return cls(**{key: params[key] for key in ("added", "removed", "changed", "reordered", "marking") if key in params})

    def words(self) -> str:
        """'1 item added, 2 items changed and the marking is now OFFICIAL-SENSITIVE'."""
        parts = [
            f"{count} {'item' if count == 1 else 'items'} {what}"
            for count, what in ((self.added, "added"), (self.removed, "removed"), (self.changed, "changed"))
            if count
        ]
        if self.reordered:
            parts.append("the order changed")
        if self.marking:
            parts.append(f"the marking is now {self.marking}")
        return parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1]


def changes_since_published(occurrence: Occurrence) -> AgendaChanges | None:
    """What changed since the agenda was last published; None if it never was (or was published
    before snapshots were kept); a falsy AgendaChanges if nothing did."""
    before = occurrence.agenda_published_snapshot
    if occurrence.agenda_published_dt is None or not before:
        return None
    now = snapshot(occurrence)
    old_items = {item["id"]: item for item in before["items"]}
    new_items = {item["id"]: item for item in now["items"]}
    kept_before = [item_id for item_id in old_items if item_id in new_items]
    kept_now = [item_id for item_id in new_items if item_id in old_items]
    return AgendaChanges(
        added=len(new_items.keys() - old_items.keys()),
        removed=len(old_items.keys() - new_items.keys()),
        changed=sum(1 for item_id in kept_now if new_items[item_id] != old_items[item_id]),
        reordered=kept_before != kept_now,
        marking=now["classification"] if now["classification"] != before["classification"] else None,
    )
