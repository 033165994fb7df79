"""``flask --app vawg_group rotate-keys``: re-encrypt casework under the current key."""

from __future__ import annotations

import logging

import click
from flask import Flask
from flask.cli import with_appcontext

log = logging.getLogger(__name__)


@click.command("rotate-keys")
@with_appcontext
@click.option("--batch-size", default=500, show_default=True, help="Rows re-encrypted per flush.")
def rotate_keys_command(batch_size: int) -> None:
    """Re-encrypt every casework value not under the first key in VAWG_ENCRYPTION_KEYS, or not
    yet sealed to its row (values written before an upgrade).

    Run it after putting a new key first (keeping the old ones after it), and after upgrading
    to a release that seals values to their rows; once it reports nothing left, the old keys
    can be removed from the setting.
    """
    from vawg_group.casework.crypto import keyring
    from vawg_group.casework.sealed import rotate_keys
    from vawg_group.core import audit
    from vawg_group.extensions import db

    ring = keyring()
    counts = rotate_keys(db.session, db.metadata, batch_size=batch_size)
    audit.record(
        "casework.keys_rotated",
        detail={"key_id": ring.current_id, "values": sum(counts.values())},
    )
    db.session.commit()
    log.info("rotate-keys: %s values re-encrypted under key %s", sum(counts.values()), ring.current_id)
    for name, count in counts.items():
        click.echo(f"{name}: {count}")
    click.echo(f"All casework values are now under key {ring.current_id}.")


def register(app: Flask) -> None:
    if "rotate-keys" not in app.cli.commands:
        app.cli.add_command(rotate_keys_command)
