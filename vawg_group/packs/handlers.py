"""What happens after a pack event: renders in the worker, and notices to every recipient.

Notices carry a link (signing in is needed to open it). An OFFICIAL pack's PDF may travel as
an attachment; an OFFICIAL-SENSITIVE one never does: its copies are stamped per person and
only downloaded after signing in.
"""

from __future__ import annotations

from vawg_group.core.clock import long_date
from vawg_group.core.links import external_url
from vawg_group.extensions import db
from vawg_group.packs import rendering, services, tasks
from vawg_group.packs.models import Pack, PackVersion
from vawg_group.people.models import User
from vawg_group.workflow import registry
from vawg_group.workflow.messages import Attachment, OutgoingMessage
from vawg_group.workflow.models import Delivery, DomainEvent
from vawg_group.workflow.rendering import email_message

NOTICE = "packs.published_notice"
RENDER_VERSION = "packs.render_version"
RENDER_COPY = "packs.render_copy"
RENDER_FAILED_NOTICE = "packs.render_failed_notice"
# A PDF larger than this goes by link only, even when OFFICIAL: mail servers refuse big mail.
MAX_ATTACHED_BYTES = 8 * 1024 * 1024


@registry.handler("pack.render_requested")
def queue_render(event: DomainEvent):
    version_id = int(event.payload["version_id"])
    return [
        registry.Send(
            recipient=f"pack_version:{version_id}",
            message=RENDER_VERSION,
            params={"version_id": version_id},
            channel=registry.TASK,
        )
    ]


@registry.handler("pack.copy_requested")
def queue_copy(event: DomainEvent):
    copy_id = int(event.payload["copy_id"])
    return [
        registry.Send(recipient=f"pack_copy:{copy_id}", message=RENDER_COPY, params={"copy_id": copy_id}, channel=registry.TASK)
    ]


@registry.handler("pack.published")
@registry.handler("pack.reissued")
def tell_recipients(event: DomainEvent):
    """One notice per member and assistant; for OFFICIAL-SENSITIVE, a stamped copy each too."""
    pack = db.session.get(Pack, int(event.subject_id))
    version = db.session.get(PackVersion, int(event.payload["version_id"]))
    if pack is None or version is None:
        return []
    sends = []
    for user in services.recipients():
        sends.append(
            registry.Send(
                recipient=user.email,
                message=NOTICE,
                params={"pack_id": pack.id, "version_id": version.id, "user_id": user.id},
                user_id=user.id,
            )
        )
        if version.is_sensitive:
            copy = services.ensure_copy(version, user)
            sends.append(
                registry.Send(
                    recipient=f"pack_copy:{copy.id}",
                    message=RENDER_COPY,
                    params={"copy_id": copy.id},
                    user_id=user.id,
                    channel=registry.TASK,
                )
            )
    return sends


def pack_link(pack_id: int) -> str:
    return external_url("packs.show", pack_id=pack_id)


@registry.message(NOTICE)
def build_notice(delivery: Delivery) -> OutgoingMessage:
    pack = db.session.get(Pack, delivery.params["pack_id"])
    version = db.session.get(PackVersion, delivery.params["version_id"])
    meeting = long_date(pack.meeting_date)
    correction = version.number > 1
    subject = (
        f"VAWG Group: corrected briefing pack (version {version.number}) for {meeting}"
        if correction
        else f"VAWG Group: briefing pack for the meeting on {meeting}"
    )
    attachments = ()
    attached = False
    if not version.is_sensitive:
        path = rendering.cached_path(version.input_hash)
        if path.exists() and path.stat().st_size <= MAX_ATTACHED_BYTES:
            attachments = (
                Attachment(
                    filename=f"vawg-group-pack-{pack.meeting_date.isoformat()}-v{version.number}.pdf",
                    content_type="application/pdf",
                    data=path.read_bytes(),
                ),
            )
            attached = True
    return email_message(
        "pack_published",
        to=delivery.recipient,
        subject=subject,
        attachments=attachments,
        pack=pack,
        version=version,
        meeting=meeting,
        correction=correction,
        attached=attached,
        link=pack_link(pack.id),
    )


@registry.task(RENDER_VERSION)
def run_render_version(delivery: Delivery) -> None:
    tasks.run_version_task(int(delivery.params["version_id"]))


@registry.handler("pack.render_failed")
def tell_preparer(event: DomainEvent):
    """The person who prepared the version hears that its PDF failed, and why."""
    version = db.session.get(PackVersion, int(event.payload["version_id"]))
    preparer = db.session.get(User, event.actor_id) if event.actor_id else None
    if version is None or preparer is None or not preparer.is_active:
        return []
    return [
        registry.Send(
            recipient=preparer.email,
            message=RENDER_FAILED_NOTICE,
            params={"pack_id": version.pack_id, "version_id": version.id, "event_id": event.id},
            user_id=preparer.id,
        )
    ]


@registry.message(RENDER_FAILED_NOTICE)
def build_render_failed(delivery: Delivery) -> OutgoingMessage:
    version = db.session.get(PackVersion, delivery.params["version_id"])
    pack = version.pack
    meeting = long_date(pack.meeting_date)
    return email_message(
        "pack_render_failed",
        to=delivery.recipient,
        subject=f"VAWG Group: version {version.number} of the pack for {meeting} could not be made",
        pack=pack,
        version=version,
        meeting=meeting,
        # The reason as it stood when the render failed; the page shows the current one.
        reason=version.render_error or "the renderer stopped",
        link=pack_link(pack.id),
    )


@registry.task(RENDER_COPY)
def run_render_copy(delivery: Delivery) -> None:
    tasks.render_copy(int(delivery.params["copy_id"]))
