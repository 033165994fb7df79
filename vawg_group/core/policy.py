"""Who may do what: the one place access is decided.

Views never test roles themselves. They declare the permission a route needs with
``@requires(...)`` (checked before the view runs) and ask ``authorize_object(...)`` for the
object they load, which answers 404 for another office's object so that its existence does
not leak. ``@public`` marks the few routes anyone may reach; a test walks every route and
fails on one that is neither. What a person may see or do with one object as it stands (a draft
pack, an agenda not yet published, a briefing they wrote and would approve) is decided by the
object rules below: plain functions of (user, object), which pages, searches and services ask.
"""

from __future__ import annotations

from enum import StrEnum
from functools import wraps

from flask import abort, request
from flask_login import current_user

from vawg_group.core import audit
from vawg_group.core.roles import OFFICE_ROLES, Role


class Permission(StrEnum):
    VIEW_HOME = "home.view"
    VIEW_OWN_PROFILE = "profile.view"
    MANAGE_PEOPLE = "people.manage"
    VIEW_AUDIT = "audit.view"
    # Meetings: everyone in the group reads them; OPCC staff run them.
    VIEW_MEETINGS = "meetings.view"
    MANAGE_MEETINGS = "meetings.manage"
    # The meeting cycle's template (milestones around every meeting): OPCC admins edit it.
    MANAGE_CYCLE = "cycle.manage"
    # Briefings and packs: members and offices read published packs; staff write and approve.
    VIEW_PACKS = "packs.view"
    MANAGE_BRIEFINGS = "briefings.manage"
    # Casework: offices submit and follow their own (object checks narrow it to the office);
    # OPCC staff triage everyone's.
    SUBMIT_CASEWORK = "casework.submit"
    VIEW_CASEWORK = "casework.view"
    TRIAGE_CASEWORK = "casework.triage"
    VIEW_CASEWORK_ACCESS_LOG = "casework.access_log"
    # Erasing a case before its retention period: irreversible, so administrators only.
    ERASE_CASEWORK = "casework.erase"
    # The outbox: deliveries, failures, retries; and the demo mail viewer.
    MANAGE_DELIVERIES = "deliveries.manage"


_EVERYONE = {
    Permission.VIEW_HOME,
    Permission.VIEW_OWN_PROFILE,
    Permission.VIEW_MEETINGS,
    Permission.VIEW_PACKS,
    Permission.VIEW_CASEWORK,
}
_OPCC = _EVERYONE | {
    Permission.MANAGE_MEETINGS,
    Permission.MANAGE_BRIEFINGS,
    Permission.TRIAGE_CASEWORK,
}
_OFFICE = _EVERYONE | {Permission.SUBMIT_CASEWORK}

ROLE_PERMISSIONS: dict[Role, frozenset[Permission]] = {
    Role.OPCC_ADMIN: frozenset(
        _OPCC
        | {
            Permission.MANAGE_PEOPLE,
            Permission.VIEW_AUDIT,
            Permission.VIEW_CASEWORK_ACCESS_LOG,
            Permission.ERASE_CASEWORK,
            Permission.MANAGE_DELIVERIES,
            Permission.MANAGE_CYCLE,
        }
    ),
    Role.OPCC_STAFF: frozenset(_OPCC),
    Role.MEMBER: frozenset(_OFFICE),
    Role.ASSISTANT: frozenset(_OFFICE),
}


def permissions_for(user) -> frozenset[Permission]:
    """What this user may do; nothing for anyone signed out, inactive or role-less."""
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return frozenset()
    try:
        role = Role(user.role)
    except ValueError:
        return frozenset()
    if role.needs_office and (user.office is None or not user.office.is_active):
        return frozenset()
    return ROLE_PERMISSIONS.get(role, frozenset())


def can(user, permission: Permission) -> bool:
    return permission in permissions_for(user)


def can_see_office(user, office_id: int | None) -> bool:
    """OPCC staff see every office's objects; an office's people see only their own."""
    if not permissions_for(user):
        return False
    if user.is_opcc:
        return True
    return office_id is not None and user.office_id == office_id


def authorize_object(obj, *, office_id: int | None = None, action: str = "view") -> None:
    """Abort with 404 (audited) unless the current user may see ``obj``'s office."""
    office_id = office_id if office_id is not None else getattr(obj, "office_id", None)
    if not can_see_office(current_user, office_id):
        audit.record_now(
            "access.refused",
            actor=_actor(),
            obj=obj,
            office_id=office_id,
            outcome=audit.Outcome.REFUSED,
            detail={"path": request.path, "action": action},
        )
        abort(404)


def requires(permission: Permission):
    """Guard a view: signed in, and holding ``permission``; otherwise sign in, or 403 (audited)."""

    def decorate(view):
        @wraps(view)
        def guarded(*args, **kwargs):
            if not current_user.is_authenticated:
                from vawg_group.extensions import login_manager

                return login_manager.unauthorized()
            if not can(current_user, permission):
                audit.record_now(
                    "access.refused",
                    actor=_actor(),
                    outcome=audit.Outcome.REFUSED,
                    detail={"path": request.path, "permission": str(permission)},
                )
                abort(403)
            return view(*args, **kwargs)

        guarded.access_rule = f"requires:{permission}"
        return guarded

    return decorate


def public(view):
    """Mark a route anyone may reach (sign-in, health, statement, token links)."""
    view.access_rule = "public"
    return view


def _actor():
    return current_user if current_user.is_authenticated else None


# --- object-level reading rules, for pages and search results alike ---------------------------
# Plain functions of (user, object), so a page and a search result are decided the same way.
# They read only the object's own fields (core imports no domain).


def can_read_briefing(user, briefing) -> bool:
    """A briefing's own page (drafts included) is the secretariat's; members read briefings in
    published packs (``can_see_pack``)."""
    return can(user, Permission.MANAGE_BRIEFINGS)


def can_see_pack(user, pack) -> bool:
    """A published pack is the group's; a draft is the secretariat's working paper."""
    if not can(user, Permission.VIEW_PACKS):
        return False
    return pack.status == "published" or can(user, Permission.MANAGE_BRIEFINGS)


def can_see_emerging_note(user, note) -> bool:
    """An emerging issue note once published (withdrawn ones too, saying so); staff see it
    while they prepare it."""
    if not can(user, Permission.VIEW_PACKS):
        return False
    return note.published_dt is not None or can(user, Permission.MANAGE_BRIEFINGS)


def can_download_emerging_note(user, note) -> bool:
    """The note's PDF: while it is published and not withdrawn (a withdrawn note is no longer
    served, to anyone); staff also while they prepare it."""
    if not can_see_emerging_note(user, note) or note.withdrawn_dt is not None:
        return False
    return note.published_dt is not None or can(user, Permission.MANAGE_BRIEFINGS)


def can_answer_emerging_note(user, note) -> bool:
    """Members and assistants answer a live note for their office."""
    return can(user, Permission.VIEW_PACKS) and user.role in OFFICE_ROLES and note.withdrawn_dt is None


def can_see_agenda(user, occurrence) -> bool:
    """A meeting's agenda once published; staff see it while they draft it."""
    if not can(user, Permission.VIEW_MEETINGS):
        return False
    return occurrence.agenda_published_dt is not None or can(user, Permission.MANAGE_MEETINGS)


def can_see_minutes(user, occurrence) -> bool:
    """A meeting's minutes once approved; staff see them while they draft them."""
    if not can(user, Permission.VIEW_MEETINGS):
        return False
    return occurrence.minutes_status == "approved" or can(user, Permission.MANAGE_MEETINGS)


def can_see_case(user, item) -> bool:
    """A case: OPCC staff, and the people of the office that brought it; never another office."""
    return can(user, Permission.VIEW_CASEWORK) and can_see_office(user, item.office_id)


# --- object-level rules for pages and services ------------------------------------------------
# Views call these on the object they loaded and answer 404 or leave the part out; services call
# them before they change anything. The service checks keep the rule as services always had it
# (OPCC staff, whoever runs the service: a request, the worker, the CLI, the demo seed); the
# page checks ask ``can`` like the routes do. tests/core/test_policy_objects.py asks each one.


def _is_opcc(user) -> bool:
    return user is not None and bool(getattr(user, "is_opcc", False))


def can_write_briefings(user) -> bool:
    """Write, change, send for review or take back a briefing: OPCC staff."""
    return _is_opcc(user)


def can_approve_briefing(user, briefing) -> bool:
    """A second pair of eyes: OPCC staff other than whoever wrote the briefing, sent it for review,
    or changed it since it was last approved (an editor could otherwise approve their own words)."""
    return can_write_briefings(user) and user.id not in {
        briefing.author_id,
        briefing.submitted_by_id,
        *(briefing.edited_by_ids or []),
    }


def can_compile_packs(user) -> bool:
    """Make, fill, prepare, publish and retry packs: OPCC staff."""
    return _is_opcc(user)


def can_publish_emerging_notes(user) -> bool:
    """Prepare, publish and withdraw emerging issue notes, and act on or dismiss casework
    signals: OPCC staff."""
    return _is_opcc(user)


def can_see_register(user, occurrence) -> bool:
    """Who was invited, who replied and who came: the staff who run the meeting."""
    return can(user, Permission.MANAGE_MEETINGS)


def can_see_meeting_history(user, occurrence) -> bool:
    """A meeting's timeline (every change, invite and message): the staff who run the meeting."""
    return can(user, Permission.MANAGE_MEETINGS)


def can_answer_invite(user, occurrence) -> bool:
    """Members and assistants are the group's invitees: they answer on the meeting's page too (with
    the invite's own signed link). Staff organise meetings; guests answer from their calendars."""
    return can(user, Permission.VIEW_MEETINGS) and user.role in OFFICE_ROLES


def can_read_note(user, note) -> bool:
    """A case's note: OPCC staff read every one; the case's office reads those shared with it."""
    if not can_see_office(user, note.item.office_id):
        return False
    return user.is_opcc or note.is_shared


def can_withdraw_case(user, item) -> bool:
    """A case's own office may take it back until the OPCC have acknowledged it."""
    return (
        not _is_opcc(user)
        and can(user, Permission.SUBMIT_CASEWORK)
        and can_see_office(user, item.office_id)
        and item.status == "submitted"
    )


def can_request_correction(user, item) -> bool:
    """The office that sent a case may ask for part of it to be corrected (OPCC staff apply it)."""
    return not _is_opcc(user) and can(user, Permission.SUBMIT_CASEWORK) and can_see_office(user, item.office_id)


def can_write_opcc_only_notes(user) -> bool:
    """Notes the office never sees are the OPCC's: anyone else's note is shared with the office."""
    return _is_opcc(user)


def can_tick_milestone(user, milestone) -> bool:
    """Tick a meeting-cycle milestone done by hand: a person of its owner role, or any OPCC admin.
    (Which milestones can be ticked at all, the cycle decides: cycle/completion.py can_tick.)"""
    role = getattr(user, "role", None)
    return role is not None and (role == Role.OPCC_ADMIN.value or role == milestone.owner_role)
