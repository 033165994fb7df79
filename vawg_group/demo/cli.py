"""``flask --app vawg_group seed-demo``: the fictional demo data, where demo sign-in is on."""

from __future__ import annotations

import click
from flask import Flask, current_app

from vawg_group.extensions import db


def register(app: Flask) -> None:
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
