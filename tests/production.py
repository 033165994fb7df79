"""Settings that production accepts: fresh random keys each time, never a value from the repository.

Tests that start the app (or a process) in production use these and change one at a time.
"""

from __future__ import annotations

import base64
import os
import secrets


def random_key(key_id: str) -> str:
    """``keyid:base64key`` with 32 random bytes, as VAWG_ENCRYPTION_KEYS and VAWG_AUDIT_CHAIN_KEYS take."""
    return f"{key_id}:{base64.b64encode(os.urandom(32)).decode('ascii')}"


def production_env(**overrides: str) -> dict[str, str]:
    """The VAWG_* variables production needs, with fresh keys; ``overrides`` replace or add some."""
    env = {
        "VAWG_SECRET_KEY": secrets.token_urlsafe(48),
        "VAWG_ENCRYPTION_KEYS": random_key("prod1"),
        "VAWG_AUDIT_CHAIN_KEYS": random_key("audit1"),
        # Production has no default database (never a SQLite file beside the code); tests that
        # connect give their own.
        "VAWG_DATABASE_URL": "postgresql://vawg@db.vawg.example:5432/vawg",
    }
    env.update(overrides)
    return env
