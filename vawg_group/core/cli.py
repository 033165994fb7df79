"""Command-line tasks: ``flask --app vawg_group <command>``."""

from __future__ import annotations

import sys

import click
from flask import Flask, current_app


def register(app: Flask) -> None:
    @app.cli.command("db-upgrade")
    def db_upgrade():
        """Bring the database schema up to date (Alembic migrations)."""
        from vawg_group.core import migrate

        migrate.upgrade(current_app.config["SQLALCHEMY_DATABASE_URI"])
        click.echo("Database schema is up to date.")

    @app.cli.command("audit-verify")
    @click.option("--head", "known_head", metavar="SEQ:HASH", help="A head anchored earlier: it must still be there, unchanged.")
    @click.option(
        "--anchors",
        "anchor_file",
        metavar="FILE",
        help="An anchor file (default VAWG_AUDIT_ANCHOR_FILE): the log is checked against its last head.",
    )
    def audit_verify(known_head, anchor_file):
        """Check the audit log's keyed hash chain; report the first changed or missing row, and
        rows cut from its end or rewritten since the last anchor."""
        from vawg_group.core.audit import AuditKeyError, ChainHead, chain_head, verify_chain
        from vawg_group.core.audit_anchor import last_anchor

        try:
            head = ChainHead.parse(known_head) if known_head else None
        except ValueError as error:
            raise click.BadParameter(str(error), param_hint="--head") from None
        anchor_file = anchor_file or current_app.config["AUDIT_ANCHOR_FILE"]
        if head is None and anchor_file:
            try:
                anchored = last_anchor(anchor_file)
            except ValueError as error:
                raise click.BadParameter(str(error), param_hint="--anchors") from None
            if anchored is None:
                click.echo(f"No anchor in {anchor_file} yet: checking the chain alone.", err=True)
            else:
                head = anchored.head
                click.echo(f"Checking against the anchor of {anchored.at.isoformat()} (row {head.seq}).")
        try:
            problem = verify_chain(known_head=head)
        except AuditKeyError as error:
            raise click.ClickException(str(error)) from None
        if problem is None:
            now = chain_head()
            click.echo(f"Audit log intact. Head {now}." if now else "Audit log intact (empty).")
            return
        click.echo(f"Audit log broken at row {problem.seq}: {problem.problem}.", err=True)
        sys.exit(1)

    @app.cli.command("audit-anchor")
    def audit_anchor_command():
        """Anchor the audit log's head now (log line, and VAWG_AUDIT_ANCHOR_FILE if set)."""
        from vawg_group.core.audit_anchor import anchor

        head = anchor()
        click.echo(f"Anchored head {head}." if head else "The audit log is empty: nothing to anchor.")
