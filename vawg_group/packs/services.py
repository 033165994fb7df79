"""Pack rules: compiling, preparing a version, publishing, correcting, and who may download what.

A pack holds approved briefings in a chosen order. Preparing freezes its HTML as a version and
queues the PDF for the worker; publishing needs that PDF ready and the pack unchanged since.
Publishing records ``pack.published`` (the first time) or ``pack.reissued`` (a correction,
which needs a change summary and supersedes the version before). Services flush; the caller
commits.
"""

from __future__ import annotations

import hashlib
import json
from datetime import date

from sqlalchemy import String, cast, func, select

from vawg_group.briefings.models import OFFICIAL_SENSITIVE, Briefing, BriefingAttachment, highest_classification
from vawg_group.core import audit, policy
from vawg_group.core.audit import AuditEvent
from vawg_group.core.clock import london_date, london_today, long_date, utcnow
from vawg_group.core.roles import Role
from vawg_group.core.stamping import StampJob
from vawg_group.core.validation import ValidationError
from vawg_group.core.web import parse_database_id
from vawg_group.extensions import db
from vawg_group.packs import rendering
from vawg_group.packs.models import Pack, PackCopy, PackItem, PackStatus, PackVersion, RenderStatus
from vawg_group.people.models import Office, User
from vawg_group.workflow.events import record_event

MAX_BRIEFINGS_PER_PACK = 30


def _require_staff(user) -> None:
    if not policy.can_compile_packs(user):
        raise ValidationError({"pack": "Only OPCC staff can change packs"})


def create_pack(*, by, meeting_date: date | None, title: str = "Briefing pack", occurrence_id: int | None = None) -> Pack:
    _require_staff(by)
    errors = {}
    title = (title or "").strip()
    if not title:
        errors["title"] = "Enter a title"
    elif len(title) > 200:
        errors["title"] = "Title must be 200 characters or fewer"
    if occurrence_id is not None:
        from vawg_group.meetings.models import Occurrence

        occurrence = db.session.get(Occurrence, occurrence_id)
        if occurrence is None:
            errors["occurrence_id"] = "Choose a meeting from the list"
        else:
            meeting_date = london_date(occurrence.starts_dt)
            # One pack per meeting: members get one "New pack", and a change is a new version.
            existing = pack_for_meeting(occurrence.id, meeting_date)
            if existing is not None:
                errors["occurrence_id"] = (
                    f"The meeting on {long_date(meeting_date)} already has a pack (“{existing.title}”): "
                    "open it to change it, or prepare a corrected version"
                )
    if meeting_date is None:
        errors["meeting_date"] = "Choose a meeting or enter the date of the meeting"
    if errors:
        raise ValidationError(errors)
    pack = Pack(title=title, meeting_date=meeting_date, occurrence_id=occurrence_id, created_by_id=by.id)
    db.session.add(pack)
    db.session.flush()
    audit.record("pack.created", actor=by, obj=pack)
    return pack


def set_briefings(pack: Pack, briefing_ids: list[int], *, by) -> None:
    """Put these briefings in the pack, in this order. Raises ValidationError if one is missing
    or not approved, or there are too many."""
    _require_staff(by)
    if len(briefing_ids) != len(set(briefing_ids)):
        raise ValidationError({"briefings": "Each briefing can appear in the pack once"})
    if len(briefing_ids) > MAX_BRIEFINGS_PER_PACK:
        raise ValidationError({"briefings": f"A pack can hold {MAX_BRIEFINGS_PER_PACK} briefings at most"})
    briefings = {b.id: b for b in db.session.scalars(select(Briefing).where(Briefing.id.in_(briefing_ids)))}
    for briefing_id in briefing_ids:
        briefing = briefings.get(briefing_id)
        if briefing is None:
            raise ValidationError({"briefings": "Select briefings from the list"})
        if not briefing.is_approved:
            raise ValidationError({"briefings": f"“{briefing.title}” is not approved: only approved briefings can go in a pack"})
    pack.items.clear()
    db.session.flush()
    for position, briefing_id in enumerate(briefing_ids):
        pack.items.append(PackItem(briefing_id=briefing_id, position=position))
    pack.updated_dt = utcnow()
    db.session.flush()
    audit.record("pack.briefings_set", actor=by, obj=pack, detail={"briefing_ids": briefing_ids})


def briefing_order(positions: dict[str, str]) -> list[int]:
    """The briefings staff chose for a pack, in the order they numbered them.

    ``positions`` maps a briefing's id to the order number typed against it (blank: not in the
    pack). Raises ValidationError (field ``briefings``) for a number that is not a whole number
    from 1 to MAX_BRIEFINGS_PER_PACK, or the same number given to two briefings.
    """
    chosen = []
    for briefing_id, raw in positions.items():
        raw = raw.strip()
        if not raw:
            continue
        order, chosen_id = parse_database_id(raw), parse_database_id(briefing_id)
        if order is None or chosen_id is None or not 1 <= order <= MAX_BRIEFINGS_PER_PACK:
            raise ValidationError(
                {"briefings": f"Order must be a whole number from 1 to {MAX_BRIEFINGS_PER_PACK}, or left blank"}
            )
        chosen.append((order, chosen_id))
    if len({order for order, _ in chosen}) != len(chosen):
        raise ValidationError({"briefings": "Give each briefing a different order number"})
    return [briefing_id for _, briefing_id in sorted(chosen)]


def classification_of(pack: Pack, casework: dict | None = None) -> str:
    """The highest marking among the pack's parts. Casework counts are OFFICIAL; items put
    forward for discussion, anonymised as they are, describe victims' cases: OFFICIAL-SENSITIVE."""
    casework = casework if casework is not None else rendering.casework_summary(pack)
    markings = [item.briefing.classification for item in pack.items]
    markings += [note["classification"] for note in rendering.emerging_summary(pack)]
    if casework["discussions"]:
        markings.append(OFFICIAL_SENSITIVE)
    return highest_classification(markings)


def contents_fingerprint(pack: Pack, casework: dict | None = None) -> str:
    """What the pack is made of (ids, change times, a hash of the casework section): publishing
    checks it is unchanged since the version was prepared."""
    casework = casework if casework is not None else rendering.casework_summary(pack)
    return json.dumps(
        {
            "casework": hashlib.sha256(json.dumps(casework, sort_keys=True, default=str).encode()).hexdigest(),
            "meeting": hashlib.sha256(
                json.dumps(rendering.meeting_summary(pack), sort_keys=True, default=str).encode()
            ).hexdigest(),
            "emerging": rendering.emerging_summary(pack),
            "title": pack.title,
            "meeting_date": pack.meeting_date.isoformat(),
            "briefings": [[item.briefing_id, item.briefing.status, item.briefing.updated_dt.isoformat()] for item in pack.items],
        },
        sort_keys=True,
    )


def _check_publishable_contents(pack: Pack) -> None:
    if not pack.items:
        raise ValidationError({"pack": "The pack is empty: add at least one approved briefing"})
    unapproved = [item.briefing.title for item in pack.items if not item.briefing.is_approved]
    if unapproved:
        raise ValidationError({"pack": f"“{unapproved[0]}” is no longer approved: approve it again or take it out of the pack"})


def prepare(pack: Pack, *, by, change_summary: str = "") -> PackVersion:
    """Freeze the pack's HTML as the next version and queue its PDF.

    A correction after publishing needs ``change_summary``. Preparing unchanged contents again
    keeps the version as it is (nothing renders twice). Raises ValidationError.
    """
    _require_staff(by)
    _check_publishable_contents(pack)
    change_summary = (change_summary or "").strip()
    published = pack.current_version
    if published is not None and not change_summary:
        raise ValidationError({"change_summary": "Say what has changed since the published version: recipients are told"})
    if len(change_summary) > 1000:
        raise ValidationError({"change_summary": "The change summary must be 1,000 characters or fewer"})
    casework = rendering.casework_summary(pack)
    classification = classification_of(pack, casework)
    version = pack.working_version
    number = (published.number + 1) if published else 1
    html = rendering.build_html(
        pack, number=number, classification=classification, change_summary=change_summary, casework=casework
    )
    job = rendering.PdfJob(
        html=html,
        title=f"{pack.title}: VAWG Group meeting, {long_date(pack.meeting_date)}",
        classification=classification,
        running_header=rendering.running_header(pack.meeting_date),
    )
    key = job.cache_key()
    if version is not None and version.input_hash == key and version.render_status != RenderStatus.FAILED:
        return version
    if version is None:
        version = PackVersion(pack=pack, number=number, prepared_by_id=by.id)
        db.session.add(version)
    version.classification = classification
    version.change_summary = change_summary
    version.html = html
    version.input_hash = key
    version.contents = contents_fingerprint(pack, casework)
    version.prepared_by_id = by.id
    version.prepared_dt = utcnow()
    version.render_error = None
    version.rendered_dt = None
    version.render_started_dt = None
    version.render_status = RenderStatus.QUEUED
    db.session.flush()
    audit.record("pack.prepared", actor=by, obj=pack, detail={"version_id": version.id, "number": version.number})
    if rendering.cached_path(key).exists():
        mark_ready(version)
    else:
        record_event("pack.render_requested", subject=version, actor=by, payload={"version_id": version.id})
    return version


def mark_ready(version: PackVersion) -> None:
    """The version's PDF is there: it may be published. Records ``pack.prepared`` (contents
    frozen and the PDF made: the meeting cycle's "pack approved" milestone), never before,
    so a version whose render fails never counts as done anywhere."""
    version.render_status = RenderStatus.READY
    version.rendered_dt = utcnow()
    version.render_error = None
    db.session.flush()
    record_event(
        "pack.prepared",
        subject=version.pack,
        actor=version.prepared_by,
        payload={"version_id": version.id, "number": version.number},
    )


def mark_render_failed(version: PackVersion, reason: str) -> None:
    """The version's PDF could not be made: say why on the pack page, and record
    ``pack.render_failed`` so the person who prepared it is told by email and on their home
    page."""
    version.render_status = RenderStatus.FAILED
    version.render_error = reason[:500]
    db.session.flush()
    record_event(
        "pack.render_failed",
        subject=version.pack,
        actor=version.prepared_by,
        payload={"version_id": version.id, "number": version.number},
    )


def queue_render_again(version: PackVersion) -> None:
    """Put a failed version back in the queue (its render history is kept in the audit log)."""
    version.render_status = RenderStatus.QUEUED
    version.render_error = None
    version.render_started_dt = None
    db.session.flush()


def retry_render(version: PackVersion, *, by) -> None:
    """Staff's "Try again" on a version whose PDF failed: queue it and ask the worker.
    Raises ValidationError unless the version failed."""
    _require_staff(by)
    if version.render_status != RenderStatus.FAILED:
        raise ValidationError({"pack": f"Version {version.number} has not failed ({version.render_label.lower()})"})
    queue_render_again(version)
    audit.record("pack.render_retried", actor=by, obj=version.pack, detail={"version_id": version.id, "number": version.number})
    record_event("pack.render_requested", subject=version, actor=by, payload={"version_id": version.id})


def failed_versions(user) -> list[PackVersion]:
    """Unpublished versions that ``user`` prepared and whose PDF failed: their home page
    lists them until they are rendered or prepared again."""
    return list(
        db.session.scalars(
            select(PackVersion)
            .where(
                PackVersion.prepared_by_id == user.id,
                PackVersion.render_status == RenderStatus.FAILED,
                PackVersion.published_dt.is_(None),
            )
            .order_by(PackVersion.prepared_dt.desc())
        )
    )


def recipients() -> list[User]:
    """Everyone a pack goes to: active members and assistants of active offices."""
    return list(
        db.session.scalars(
            select(User)
            .join(Office, User.office_id == Office.id)
            .where(
                User.role.in_([Role.MEMBER.value, Role.ASSISTANT.value]),
                User.is_active.is_(True),
                Office.is_active.is_(True),
            )
            .order_by(User.id)
        )
    )


def publish(pack: Pack, *, by) -> PackVersion:
    """Publish the prepared version. Raises ValidationError unless its PDF is ready and the pack
    is unchanged since it was prepared; nothing is half-published."""
    _require_staff(by)
    version = pack.working_version
    if version is None:
        raise ValidationError({"pack": "Prepare the pack before publishing it"})
    if version.render_status != RenderStatus.READY:
        raise ValidationError({"pack": f"The PDF is not ready yet ({version.render_label.lower()}): publish once it is ready"})
    _check_publishable_contents(pack)
    if version.contents != contents_fingerprint(pack):
        raise ValidationError({"pack": "The pack has changed since this version was prepared: prepare it again, then publish"})
    previous = pack.current_version
    now = utcnow()
    version.published_dt = now
    version.published_by_id = by.id
    if previous is not None:
        previous.superseded_dt = now
    pack.status = PackStatus.PUBLISHED
    if version.is_sensitive:
        for user in recipients():
            ensure_copy(version, user)
    db.session.flush()
    audit.record("pack.published", actor=by, obj=pack, detail={"version_id": version.id, "number": version.number})
    record_event(
        "pack.published" if previous is None else "pack.reissued",
        subject=pack,
        actor=by,
        payload={"version_id": version.id, "number": version.number},
    )
    return version


def find_copy(version: PackVersion, user: User) -> PackCopy | None:
    return db.session.scalar(select(PackCopy).where(PackCopy.version_id == version.id, PackCopy.user_id == user.id))


def copy_for_download(version: PackVersion, user: User) -> tuple[PackCopy, str | None]:
    """``user``'s stamped copy of an OFFICIAL-SENSITIVE version, asking the worker for it when
    it is new or its last try failed (never again while it is queued: the pending page checks
    every 15 seconds, and a queued copy already has its task). Returns the copy and the reason
    its last try failed, if it did."""
    existing = find_copy(version, user)
    copy = existing or ensure_copy(version, user)
    last_failure = None
    if copy.render_status == RenderStatus.FAILED:
        last_failure = copy.render_error
        copy.render_status = RenderStatus.QUEUED
        copy.render_error = None
    if copy.render_status == RenderStatus.QUEUED and (existing is None or last_failure is not None):
        record_event("pack.copy_requested", subject=copy, actor=user, payload={"copy_id": copy.id})
    return copy, last_failure


def ensure_copy(version: PackVersion, user: User) -> PackCopy:
    """The stamped copy of an OFFICIAL-SENSITIVE version for ``user``, created (queued) if new.

    A copy is the version's own PDF with the user's "Prepared for" line stamped on every page
    (``tasks.render_copy``), never a render of its own; it is ready at once when a copy with
    the same key is already in the cache."""
    copy = find_copy(version, user)
    if copy is not None:
        return copy
    line = rendering.recipient_line(user, version.published_dt or utcnow())
    job = copy_job(version, line)
    copy = PackCopy(version_id=version.id, user_id=user.id, recipient_line=line, input_hash=job.cache_key())
    if rendering.cached_path(copy.input_hash).exists():
        copy.render_status = RenderStatus.READY
        copy.rendered_dt = utcnow()
    db.session.add(copy)
    db.session.flush()
    return copy


def version_job(version: PackVersion) -> rendering.PdfJob:
    pack = version.pack
    return rendering.PdfJob(
        html=version.html,
        title=f"{pack.title}: VAWG Group meeting, {long_date(pack.meeting_date)}",
        classification=version.classification,
        running_header=rendering.running_header(pack.meeting_date),
    )


def copy_job(version: PackVersion, line: str) -> StampJob:
    """A copy: the version's PDF (keyed by everything that shapes it) stamped with ``line``.
    Its cache key covers both, and the stamp's format, so it identifies the copy's content."""
    return StampJob(source_key=version_job(version).cache_key(), line=line)


_DOWNLOADS = (AuditEvent.action == "pack.downloaded", AuditEvent.object_type == "pack")


def _downloaded(pack_id) -> list:
    """The audit log's rows for downloads of the pack ``pack_id`` (an id, or a column)."""
    return [*_DOWNLOADS, AuditEvent.object_id == cast(pack_id, String)]


def openers(pack: Pack) -> set[int]:
    """Ids of the people who have downloaded any version of the pack (from the audit log)."""
    return set(db.session.scalars(select(AuditEvent.actor_id).where(*_downloaded(pack.id))))


def briefing_ids_in(version: PackVersion) -> list[int]:
    """The briefings a version holds, in order, as frozen when it was prepared."""
    return [int(row[0]) for row in json.loads(version.contents or "{}").get("briefings", [])]


def attachments_of(version: PackVersion) -> list[BriefingAttachment]:
    """The files that travel with a version: its briefings' attachments as they were when it
    was prepared (one added later belongs to the next version), in the pack's order."""
    order = {briefing_id: position for position, briefing_id in enumerate(briefing_ids_in(version))}
    if not order:
        return []
    found = db.session.scalars(
        select(BriefingAttachment).where(
            BriefingAttachment.briefing_id.in_(order), BriefingAttachment.uploaded_dt <= version.prepared_dt
        )
    )
    return sorted(found, key=lambda attachment: (order[attachment.briefing_id], attachment.id))


def downloaded_versions(user, pack_ids: list[int]) -> set[int]:
    """Ids of the versions of these packs that ``user`` has downloaded (from the audit log)."""
    if not pack_ids:
        return set()
    details = db.session.scalars(
        select(AuditEvent.detail).where(
            *_DOWNLOADS,
            AuditEvent.object_id.in_([str(pack_id) for pack_id in pack_ids]),
            AuditEvent.actor_id == user.id,
        )
    )
    return {int(detail["version_id"]) for detail in details if detail and detail.get("version_id")}


def new_packs_for(user) -> list[Pack]:
    """Published packs for meetings from today (in London) on whose current version ``user``
    has not downloaded yet: a correction is new again until it is downloaded.

    One query whatever the number of packs: the home page asks this on every visit, and a
    pack a month would otherwise add a query a month.
    """
    if user is None or not getattr(user, "is_authenticated", False):
        return []
    # Versions are numbered in the order they are made, so the newest published is current.
    current_version = (
        select(func.max(PackVersion.id))
        .where(PackVersion.pack_id == Pack.id, PackVersion.published_dt.is_not(None))
        .correlate(Pack)
        .scalar_subquery()
    )
    opened = (
        select(AuditEvent.id)
        .where(
            *_downloaded(Pack.id),
            AuditEvent.actor_id == user.id,
            AuditEvent.detail["version_id"].as_integer() == current_version,
        )
        .exists()
    )
    return list(
        db.session.scalars(
            select(Pack)
            .where(Pack.status == PackStatus.PUBLISHED, Pack.meeting_date >= london_today(), ~opened)
            .order_by(Pack.meeting_date.desc())
        )
    )


def pack_for_meeting(occurrence_id: int | None, meeting_date: date | None = None) -> Pack | None:
    """The pack for a meeting: the one tied to its occurrence, else one made for its date
    without choosing the meeting. The latest made wins if there are several."""
    if occurrence_id is None:
        return None
    pack = db.session.scalar(select(Pack).where(Pack.occurrence_id == occurrence_id).order_by(Pack.id.desc()).limit(1))
    if pack is None and meeting_date is not None:
        pack = db.session.scalar(
            select(Pack).where(Pack.occurrence_id.is_(None), Pack.meeting_date == meeting_date).order_by(Pack.id.desc()).limit(1)
        )
    return pack
