"""The operators' commands: ``flask --app vawg_group backup PATH``, ``backup --verify PATH`` and
``restore PATH`` (docs/backups.md). Every refusal is one line naming what to fix."""

from __future__ import annotations

import os
import time

import click
from flask import Flask, current_app


def backup_keys():
    from vawg_group.ops.archive import parse_keys

    raw = current_app.config.get("BACKUP_KEY") or os.environ.get("VAWG_BACKUP_KEY", "")
    return parse_keys(raw, field_keys=current_app.config.get("ENCRYPTION_KEYS", ""))


def _describe(manifest) -> str:
    return (
        f"{manifest.engine} database at schema {manifest.revision or '(none)'}, {manifest.storage_files} stored files, "
        f"{manifest.total_bytes / 1e6:,.1f} MB before encryption, made {manifest.created}"
    )


def register(app: Flask) -> None:
    @app.cli.command("backup")
    @click.argument("path", type=click.Path(dir_okay=False))
    @click.option("--verify", is_flag=True, help="Read PATH, an existing archive, and check it whole; restore nothing.")
    def backup_command(path, verify):
        """Write an encrypted backup (database and storage) to PATH, or check one with --verify."""
        from vawg_group.extensions import db
        from vawg_group.ops import backup
        from vawg_group.ops.archive import BackupError

        started = time.monotonic()
        try:
            keys = backup_keys()
            if verify:
                manifest = backup.read_archive(path, keys)
                click.echo(f"Archive intact: {_describe(manifest)} ({time.monotonic() - started:.1f} s).")
                return
            db.session.remove()
            manifest = backup.make_backup(
                current_app.config["SQLALCHEMY_DATABASE_URI"], current_app.config["STORAGE_DIR"], path, keys
            )
        except BackupError as error:
            raise click.ClickException(str(error)) from None
        size = os.path.getsize(path)
        click.echo(f"Backup written to {path}: {_describe(manifest)}, {size / 1e6:,.1f} MB ({time.monotonic() - started:.1f} s).")

    @app.cli.command("restore")
    @click.argument("path", type=click.Path(dir_okay=False))
    def restore_command(path):
        """Restore the backup at PATH into an empty database and an empty storage folder."""
        from vawg_group.extensions import db
        from vawg_group.ops import backup
        from vawg_group.ops.archive import BackupError

        started = time.monotonic()
        try:
            keys = backup_keys()
            db.session.remove()
            db.engine.dispose()
            manifest = backup.restore(
                path, current_app.config["SQLALCHEMY_DATABASE_URI"], current_app.config["STORAGE_DIR"], keys
            )
        except BackupError as error:
            raise click.ClickException(str(error)) from None
        click.echo(
            f"Restored {_describe(manifest)} ({time.monotonic() - started:.1f} s). "
            "Next: flask --app vawg_group db-upgrade, then audit-verify, then start web and workers."
        )
