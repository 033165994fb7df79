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
    @click.option(
        "--head", "known_head", metavar="SEQ:HASH", help="A head the worker logged earlier: it must still be there, unchanged."
    )
    def audit_verify(known_head):
        """Check the audit log's hash chain; report the first changed or missing row."""
        from vawg_group.core.audit import ChainHead, chain_head, verify_chain

        try:
            head = ChainHead.parse(known_head) if known_head else None
        except ValueError as error:
            raise click.BadParameter(str(error), param_hint="--head") from None
        problem = verify_chain(known_head=head)
        if problem is None:
            now = chain_head()
            click.echo(f"Audit log intact. Head {now}." if now else "Audit log intact (empty).")
            return
        click.echo(f"Audit log broken at row {problem.seq}: {problem.problem}.", err=True)
        sys.exit(1)
