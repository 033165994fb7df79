"""Emerging issue notes: preparing one from an approved briefing marked as an emerging issue,
publishing it on its own between meetings, withdrawing it, and the stamped copies of an
OFFICIAL-SENSITIVE note. Services flush; the caller commits.

A note is its briefing's words as approved (the same editor, key figures, sources,
classification and two-person approval as any briefing), frozen into HTML when prepared and
rendered by the worker; publishing needs that PDF ready, one to three pages, and the briefing
unchanged since. Publishing records ``emerging.published`` (notices to every member and
assistant, stamped copies for OFFICIAL-SENSITIVE) and puts an item on the next meeting's agenda
that staff keep or drop; withdrawing records ``emerging.withdrawn`` (recipients are told, and
the PDF is no longer served).
"""

from __future__ import annotations

from sqlalchemy import select

from vawg_group.briefings import services as briefing_services
from vawg_group.briefings.models import THEME_LABELS, Briefing, BriefingStatus, KeyFigure
from vawg_group.core import audit, policy
from vawg_group.core.clock import long_date, utcnow
from vawg_group.core.validation import ValidationError
from vawg_group.emerging import rendering
from vawg_group.emerging.models import EmergingNote, EmergingNoteCopy, EmergingSignal, SignalStatus
from vawg_group.extensions import db
from vawg_group.meetings import agenda as meeting_agenda
from vawg_group.meetings import services as meeting_services
from vawg_group.meetings.models import AgendaItem, Occurrence
from vawg_group.packs import rendering as pack_rendering
from vawg_group.packs.models import RenderStatus
from vawg_group.workflow.events import record_event

AGENDA_LINK = "emerging_note"


def _require_staff(user) -> None:
    if not policy.can_publish_emerging_notes(user):
        raise ValidationError({"note": "Only OPCC staff can prepare, publish or withdraw emerging issue notes"})


def note_for_briefing(briefing_id: int) -> EmergingNote | None:
    return db.session.scalar(select(EmergingNote).where(EmergingNote.briefing_id == briefing_id))


def _version_of(briefing: Briefing) -> str:
    return briefing.updated_dt.isoformat()


def prepare(briefing: Briefing, *, by) -> EmergingNote:
    """Freeze an approved emerging-issue briefing's HTML as its note and queue the PDF.

    Preparing unchanged words again keeps the note as it is. Raises ValidationError for a
    briefing not marked as an emerging issue, not approved, or whose note is already published.
    """
    _require_staff(by)
    if not briefing.emerging_issue:
        raise ValidationError({"note": "Mark the briefing as an emerging issue note first (change the briefing)"})
    if briefing.status != BriefingStatus.APPROVED:
        raise ValidationError({"note": "The briefing must be approved by a second member of staff first"})
    note = note_for_briefing(briefing.id)
    if note is not None and note.published_dt is not None:
        raise ValidationError({"note": "This note is already published: write a new briefing for an update"})
    html = rendering.build_html(briefing)
    # The signal it answers, when staff started it from one ("write a note").
    signal_id = db.session.scalar(select(EmergingSignal.id).where(EmergingSignal.briefing_id == briefing.id).limit(1))
    if note is None:
        note = EmergingNote(briefing=briefing, prepared_by_id=by.id, withdrawal_reason="")
        db.session.add(note)
    note.classification = briefing.classification
    note.signal_id = signal_id
    note.html = html
    note.briefing_version = _version_of(briefing)
    note.prepared_by_id = by.id
    note.prepared_dt = utcnow()
    key = rendering.note_job(note).cache_key()
    if note.input_hash == key and note.render_status in (RenderStatus.READY, RenderStatus.QUEUED, RenderStatus.RENDERING):
        return note
    note.input_hash = key
    note.render_status = RenderStatus.QUEUED
    note.render_error = None
    note.rendered_dt = note.render_started_dt = None
    note.page_count = None
    db.session.flush()
    audit.record("emerging.note_prepared", actor=by, obj=note, detail={"briefing_id": briefing.id})
    record_event("emerging.render_requested", subject=note, actor=by, payload={"note_id": note.id})
    return note


def mark_rendered(note: EmergingNote, *, page_count: int) -> None:
    """The PDF is made: ready to publish if it is one to three pages, else failed saying so."""
    note.page_count = page_count
    if page_count > rendering.MAX_PAGES:
        note.render_status = RenderStatus.FAILED
        note.render_error = (
            f"The note is {page_count} pages: a note is one to {rendering.MAX_PAGES} pages. "
            "Shorten the briefing (or put it in the next pack instead), approve it again and prepare the note again"
        )
    else:
        note.render_status = RenderStatus.READY
        note.render_error = None
        note.rendered_dt = utcnow()
    db.session.flush()


def publish(note: EmergingNote, *, by, now=None) -> EmergingNote:
    """Publish a prepared note on its own. Raises ValidationError unless its PDF is ready and
    its briefing is approved and unchanged since it was prepared; nothing is half-published."""
    _require_staff(by)
    if note.published_dt is not None:
        raise ValidationError({"note": "This note is already published"})
    if note.render_status != RenderStatus.READY:
        raise ValidationError({"note": "The note's PDF is not ready yet: publish it once it is"})
    briefing = note.briefing
    if briefing.status != BriefingStatus.APPROVED or _version_of(briefing) != note.briefing_version:
        raise ValidationError(
            {"note": "The briefing has changed since the note was prepared: approve it and prepare the note again"}
        )
    note.published_dt = now or utcnow()
    note.published_by_id = by.id
    db.session.flush()
    audit.record("emerging.note_published", actor=by, obj=note, detail={"briefing_id": briefing.id})
    record_event("emerging.published", subject=note, actor=by, payload={"note_id": note.id})
    _put_on_next_agenda(note, by=by, now=note.published_dt)
    return note


def _put_on_next_agenda(note: EmergingNote, *, by, now) -> AgendaItem | None:
    """An item on the next meeting's agenda for staff to keep or drop (none with no meeting)."""
    upcoming = meeting_services.upcoming_meetings(now)
    if not upcoming:
        return None
    occurrence = db.session.get(Occurrence, upcoming[0].id)
    return meeting_agenda.add_agenda_item(
        occurrence,
        kind="briefing",
        # An OFFICIAL-SENSITIVE note's title stays off the agenda, which is marked on its own.
        title=f"Emerging issue note of {long_date(note.published_dt)} (OFFICIAL-SENSITIVE)"
        if note.is_sensitive
        else _agenda_title(note.briefing.title),
        description=f"Emerging issue note published {long_date(note.published_dt)}.",
        presenter="OPCC",
        minutes=10,
        linked_type=AGENDA_LINK,
        linked_id=note.id,
        by=by,
    )


def _agenda_title(title: str) -> str:
    return (title if title.lower().startswith("emerging issue") else f"Emerging issue: {title}")[:200]


def agenda_item_for(note: EmergingNote) -> AgendaItem | None:
    return db.session.scalar(
        select(AgendaItem).where(AgendaItem.linked_type == AGENDA_LINK, AgendaItem.linked_id == note.id).limit(1)
    )


def withdraw(note: EmergingNote, *, by, reason: str) -> EmergingNote:
    """Withdraw a published note: recipients are told, the PDF is no longer served, it leaves
    home pages and the next pack, and its agenda item (if staff kept it) goes. Raises
    ValidationError without a reason, or for a note not published or already withdrawn."""
    _require_staff(by)
    reason = (reason or "").strip()
    if note.published_dt is None:
        raise ValidationError({"reason": "Only a published note can be withdrawn"})
    if note.withdrawn_dt is not None:
        raise ValidationError({"reason": "This note has already been withdrawn"})
    if not reason:
        raise ValidationError({"reason": "Say why the note is withdrawn: recipients are told"})
    if len(reason) > 1000:
        raise ValidationError({"reason": "The reason must be 1,000 characters or fewer"})
    note.withdrawn_dt = utcnow()
    note.withdrawn_by_id = by.id
    note.withdrawal_reason = reason
    db.session.flush()
    audit.record("emerging.note_withdrawn", actor=by, obj=note, detail={"briefing_id": note.briefing_id})
    record_event("emerging.withdrawn", subject=note, actor=by, payload={"note_id": note.id})
    item = agenda_item_for(note)
    if item is not None:
        meeting_agenda.remove_agenda_item(item, by=by)
    return note


# ---------------------------------------------------------------- stamped copies


def find_copy(note: EmergingNote, user) -> EmergingNoteCopy | None:
    return db.session.scalar(
        select(EmergingNoteCopy).where(EmergingNoteCopy.note_id == note.id, EmergingNoteCopy.user_id == user.id)
    )


def ensure_copy(note: EmergingNote, user) -> EmergingNoteCopy:
    """``user``'s stamped copy of an OFFICIAL-SENSITIVE note, created (queued) if new; ready at
    once when the same copy is already in the cache."""
    copy = find_copy(note, user)
    if copy is not None:
        return copy
    line = pack_rendering.recipient_line(user, note.published_dt or utcnow())
    copy = EmergingNoteCopy(
        note_id=note.id, user_id=user.id, recipient_line=line, input_hash=rendering.copy_job(note, line).cache_key()
    )
    if pack_rendering.cached_path(copy.input_hash).exists():
        copy.render_status = RenderStatus.READY
        copy.rendered_dt = utcnow()
    db.session.add(copy)
    db.session.flush()
    return copy


def copy_for_download(note: EmergingNote, user) -> EmergingNoteCopy:
    """The copy to serve, asking the worker again when it is new or its last try failed."""
    existing = find_copy(note, user)
    copy = existing or ensure_copy(note, user)
    if copy.render_status == RenderStatus.FAILED:
        copy.render_status = RenderStatus.QUEUED
        copy.render_error = None
        existing = None
    if copy.render_status == RenderStatus.QUEUED and existing is None:
        record_event("emerging.copy_requested", subject=copy, actor=user, payload={"copy_id": copy.id})
    return copy


# ---------------------------------------------------------------- from a signal


def start_from_signal(signal: EmergingSignal, *, by) -> Briefing:
    """Staff's "write a note" on a signal: a draft emerging-issue briefing with the theme and
    the figures filled in (counts only). Raises ValidationError for a signal already dealt with."""
    _require_staff(by)
    if signal.status != SignalStatus.OPEN:
        raise ValidationError({"signal": "This signal has already been dealt with"})
    label = THEME_LABELS.get(signal.theme, signal.theme)
    period = f"{long_date(signal.window_start)} to {long_date(signal.window_end)}"
    briefing = briefing_services.create_briefing(
        by=by,
        title=f"Emerging issue: {label}"[:200],
        summary=(
            f"Offices sent {signal.recent_count} cases about {label.lower()} from {signal.office_count} offices "
            f"in the 28 days to {long_date(signal.window_end)}, against about {signal.baseline_mean:g} in a usual 28 days."
        ),
        body_markdown="",
        themes=[signal.theme],
        sources="Casework sent to the VAWG Group by MPs' offices (counts only)",
        classification="OFFICIAL",
        emerging_issue=True,
    )
    briefing.key_figures.append(
        KeyFigure(
            label=f"Cases about {label.lower()} in 28 days",
            value=float(signal.recent_count),
            previous_value=float(signal.baseline_mean),
            unit="cases",
            period=period,
            source="VAWG Group casework",
            position=0,
        )
    )
    signal.status = SignalStatus.ACTED
    signal.dealt_by_id = by.id
    signal.dealt_dt = utcnow()
    signal.briefing_id = briefing.id
    db.session.flush()
    audit.record("emerging.signal_acted", actor=by, obj=signal, detail={"briefing_id": briefing.id})
    return briefing


def dismiss_signal(signal: EmergingSignal, *, by, reason: str) -> None:
    """Staff dismiss a signal, saying why. Raises ValidationError without a reason."""
    _require_staff(by)
    reason = (reason or "").strip()
    if signal.status != SignalStatus.OPEN:
        raise ValidationError({"reason": "This signal has already been dealt with"})
    if not reason:
        raise ValidationError({"reason": "Say why the signal is dismissed"})
    if len(reason) > 1000:
        raise ValidationError({"reason": "The reason must be 1,000 characters or fewer"})
    signal.status = SignalStatus.DISMISSED
    signal.dismissal_reason = reason
    signal.dealt_by_id = by.id
    signal.dealt_dt = utcnow()
    db.session.flush()
    audit.record("emerging.signal_dismissed", actor=by, obj=signal, detail={"theme": signal.theme})


def dealt_signals(limit: int = 20) -> list[EmergingSignal]:
    """The latest signals staff acted on or dismissed, with who did and why (for staff)."""
    return list(
        db.session.scalars(
            select(EmergingSignal)
            .where(EmergingSignal.status != SignalStatus.OPEN)
            .order_by(EmergingSignal.dealt_dt.desc(), EmergingSignal.id.desc())
            .limit(limit)
        )
    )


def open_signals() -> list[EmergingSignal]:
    return list(
        db.session.scalars(
            select(EmergingSignal).where(EmergingSignal.status == SignalStatus.OPEN).order_by(EmergingSignal.id.desc())
        )
    )
