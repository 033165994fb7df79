"""Command-line tasks: ``flask --app vawg_group <command>``."""

from __future__ import annotations

import sys

import click
from flask import Flask, current_app

from vawg_group.extensions import db


def register(app: Flask) -> None:
    @app.cli.command("db-upgrade")
    def db_upgrade():
        """Bring the database schema up to date (Alembic migrations)."""
        from vawg_group.core import migrate

        migrate.upgrade(current_app.config["SQLALCHEMY_DATABASE_URI"])
        click.echo("Database schema is up to date.")

    @app.cli.command("seed-demo")
    def seed_demo_command():
        """Create fictional demo data (running it again adds nothing)."""
        from vawg_group.demo.seed import seed_demo

        if not current_app.config["DEMO_SIGN_IN"]:
            raise click.ClickException("seed-demo only runs where demo sign-in is on (never in production)")
        added = seed_demo()
        db.session.commit()
        for name, count in added.items():
            click.echo(f"{name}: {count} added")

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
