"""The Deliveries page for OPCC admins, the demo mail viewer, and the worker's commands."""

from __future__ import annotations

import sys
from email import policy
from email.parser import BytesParser
from pathlib import Path

import click
from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import func, select

from vawg_group.core.forms import ConfirmForm
from vawg_group.core.policy import Permission, requires
from vawg_group.core.web import parse_database_id
from vawg_group.extensions import db
from vawg_group.workflow import catalogue, services
from vawg_group.workflow.models import Delivery, DeliveryStatus, DomainEvent
from vawg_group.workflow.status import describe_age, queue_status

# cli_group=None: the commands are top-level (`flask --app vawg_group worker`).
blueprint = Blueprint("workflow", __name__, url_prefix="/admin", cli_group=None)
# Pages name events in words (catalogue.py), never by their internal names.
blueprint.add_app_template_filter(catalogue.describe, "event_words")

PAGE_SIZE = 50
STATUSES = [
    DeliveryStatus.PENDING,
    DeliveryStatus.SENDING,
    DeliveryStatus.SENT,
    DeliveryStatus.FAILED,
    DeliveryStatus.CANCELLED,
]


def filtered_query(args):
    query = select(Delivery, DomainEvent.event_type).join(DomainEvent, Delivery.event_id == DomainEvent.id)
    applied = {}
    if (status := args.get("status", "")) in STATUSES:
        query = query.where(Delivery.status == status)
        applied["status"] = status
    if event_type := args.get("event_type", "").strip():
        query = query.where(DomainEvent.event_type == event_type)
        applied["event_type"] = event_type
    if recipient := args.get("recipient", "").strip():
        escaped = recipient.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        query = query.where(func.lower(Delivery.recipient).like(f"%{escaped}%", escape="\\"))
        applied["recipient"] = recipient
    return query, applied


@blueprint.get("/deliveries")
@requires(Permission.MANAGE_DELIVERIES)
def deliveries():
    query, applied = filtered_query(request.args)
    page = max(parse_database_id(request.args.get("page")) or 1, 1)
    total = db.session.scalar(select(func.count()).select_from(query.subquery()))
    rows = db.session.execute(
        query.order_by(Delivery.created_dt.desc(), Delivery.id.desc()).offset((page - 1) * PAGE_SIZE).limit(PAGE_SIZE)
    ).all()
    status = queue_status()
    return render_template(
        "workflow/deliveries.html",
        title="Deliveries",
        rows=rows,
        applied=applied,
        total=total,
        page=page,
        pages=max((total + PAGE_SIZE - 1) // PAGE_SIZE, 1),
        statuses=STATUSES,
        event_types=db.session.scalars(select(DomainEvent.event_type).distinct().order_by(DomainEvent.event_type)).all(),
        status=status,
        oldest_age=describe_age(status.oldest_pending_seconds),
        form=ConfirmForm(),
    )


@blueprint.post("/deliveries/<int:delivery_id>/retry")
@requires(Permission.MANAGE_DELIVERIES)
def retry_delivery(delivery_id: int):
    delivery = db.get_or_404(Delivery, delivery_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    if services.retry_delivery(delivery, by=current_user):
        flash(f"Delivery to {delivery.recipient} queued again.", "success")
    else:
        flash("That delivery had not failed, so it was left as it is.", "info")
    return redirect(url_for("workflow.deliveries", **_filters_from_form()))


@blueprint.post("/deliveries/retry-failed")
@requires(Permission.MANAGE_DELIVERIES)
def retry_all_failed():
    if not ConfirmForm().validate_on_submit():
        abort(400)
    deliveries, events = services.retry_all_failed(by=current_user)
    flash(
        f"{deliveries} failed {'delivery' if deliveries == 1 else 'deliveries'} and "
        f"{events} failed {'event' if events == 1 else 'events'} queued again.",
        "success",
    )
    return redirect(url_for("workflow.deliveries"))


@blueprint.post("/deliveries/test-message")
@requires(Permission.MANAGE_DELIVERIES)
def send_test_message():
    if not ConfirmForm().validate_on_submit():
        abort(400)
    services.request_test_message(by=current_user)
    flash(f"A test message to {current_user.email} is queued; the worker sends it within seconds.", "success")
    return redirect(url_for("workflow.deliveries"))


def _filters_from_form() -> dict:
    return {k: v for k in ("status", "event_type", "recipient") if (v := request.form.get(k, "").strip())}


# The demo mail viewer -----------------------------------------------------------------------


def _mail_dir() -> Path:
    if not current_app.config["DEMO_SIGN_IN"]:
        abort(404)
    return Path(current_app.config["DEVMAIL_DIR"])


def _read_message(path: Path):
    with path.open("rb") as handle:
        return BytesParser(policy=policy.default).parse(handle)


@blueprint.get("/mail")
@requires(Permission.MANAGE_DELIVERIES)
def sent_mail():
    """Mail the development catcher received (demo mode only)."""
    folder = _mail_dir()
    files = sorted(folder.glob("*.eml"), reverse=True)[:200] if folder.is_dir() else []
    messages = []
    for path in files:
        message = _read_message(path)
        messages.append({"name": path.name, "to": message["To"], "subject": message["Subject"], "date": message["Date"]})
    return render_template("workflow/sent_mail.html", title="Mail sent (demo)", messages=messages, folder=str(folder))


@blueprint.get("/mail/<name>")
@requires(Permission.MANAGE_DELIVERIES)
def sent_mail_message(name: str):
    folder = _mail_dir()
    if not name.endswith(".eml") or "/" in name or name.startswith("."):
        abort(404)
    path = folder / name
    if not path.is_file():
        abort(404)
    message = _read_message(path)
    body = message.get_body(preferencelist=("plain",))
    parts = [
        {"type": part.get_content_type(), "filename": part.get_filename(), "method": part.get_param("method")}
        for part in message.walk()
        if not part.is_multipart()
    ]
    return render_template(
        "workflow/sent_mail_message.html",
        title=str(message["Subject"] or "(no subject)"),
        name=name,
        headers=[(k, str(v)) for k, v in message.items()],
        text=body.get_content() if body is not None else "",
        parts=parts,
    )


# Commands -------------------------------------------------------------------------------------


@blueprint.cli.command("worker")
@click.option(
    "--standby",
    is_flag=True,
    help="On SQLite, wait for the running worker to stop and then take over, instead of exiting.",
)
def worker_command(standby: bool):
    """Run the worker: events, deliveries, timed jobs (stop with SIGTERM or Ctrl-C)."""
    from vawg_group.workflow.worker import Worker, WorkerAlreadyRunning

    worker = Worker(current_app._get_current_object())
    try:
        worker.serve(standby=standby)
    except WorkerAlreadyRunning as error:
        click.echo(str(error), err=True)
        sys.exit(2)


@blueprint.cli.command("worker-status")
def worker_status_command():
    """Queue depth, oldest waiting item, failures, and each worker's last heartbeat; exits 1 when
    no worker is live or any delivery or event has failed."""
    from vawg_group.core.clock import format_london

    status = queue_status()
    click.echo(f"Queue depth: {status.queue_depth} ({status.pending_events} events, {status.pending_deliveries} deliveries)")
    click.echo(f"Oldest waiting item: {describe_age(status.oldest_pending_seconds)}")
    click.echo(f"Failed: {status.failed_deliveries} deliveries, {status.failed_events} events")
    click.echo(f"Mail sent in the last 24 hours: {status.sent_last_day}")
    click.echo(f"Possibly sent twice (a worker stopped while sending): {status.possible_duplicates}")
    if not status.workers:
        click.echo("Workers: none has ever sent a heartbeat")
    for worker in status.workers:
        click.echo(
            f"Worker {worker.worker_id}: {worker.state}, last heartbeat {format_london(worker.last_seen_dt, '%Y-%m-%d %H:%M:%S')} "
            f"({int(worker.seconds_since_heartbeat)} seconds ago)"
        )
    for job in status.jobs:
        last = format_london(job.last_run_dt, "%Y-%m-%d %H:%M:%S") if job.last_run_dt else "never"
        click.echo(
            f"Timed job {job.name}: last run {last}, next due {format_london(job.next_run_dt, '%Y-%m-%d %H:%M:%S')}"
            + (f", last error: {job.last_error.splitlines()[0]}" if job.last_error else "")
        )
    # Non-zero for monitoring: nothing is being sent, or something has failed for good and
    # waits for an admin (the Deliveries page retries it).
    problems = []
    if not status.live_workers:
        problems.append("no worker is live")
    if status.failed_deliveries or status.failed_events:
        problems.append(f"{status.failed_deliveries} deliveries and {status.failed_events} events have failed")
    if problems:
        click.echo("Needs attention: " + "; ".join(problems), err=True)
        sys.exit(1)
