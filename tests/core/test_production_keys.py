"""Production refuses secrets from the repository, guessable secrets and keys of the wrong size
(issue #15, item 8).

The development secret key and encryption key from the repository, or an all-zero key, passed
the production check once renamed (another key id in front of the same key), because it
compared whole settings with the shipped development values only.
"""

from __future__ import annotations

import base64
import hashlib

import pytest

from config import DEFAULT_SECRET_KEY, DEVELOPMENT_AUDIT_CHAIN_KEYS, DEVELOPMENT_ENCRYPTION_KEYS, ConfigurationError, load_config
from tests.production import production_env

DEV_ENCRYPTION_KEY = DEVELOPMENT_ENCRYPTION_KEYS.split(":", 1)[1]
DEV_AUDIT_KEY = DEVELOPMENT_AUDIT_CHAIN_KEYS.split(":", 1)[1]


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _unpredictable(size: int, seed: str) -> bytes:
    """Bytes as good as random, the same in every test worker (xdist compares test ids)."""
    return hashlib.sha512(seed.encode("ascii")).digest()[:size]


@pytest.fixture
def production(monkeypatch):
    for name, value in production_env(VAWG_DATABASE_URL="sqlite:///:memory:").items():
        monkeypatch.setenv(name, value)
    return monkeypatch


def test_fresh_random_keys_are_accepted(production):
    assert load_config("production").ENV_NAME == "production"


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        # The repository's development keys under another key id.
        ("VAWG_ENCRYPTION_KEYS", f"prod1:{DEV_ENCRYPTION_KEY}", "written in the repository"),
        ("VAWG_AUDIT_CHAIN_KEYS", f"audit1:{DEV_AUDIT_KEY}", "written in the repository"),
        # ...or behind a good key, where they would still decrypt and verify.
        (
            "VAWG_ENCRYPTION_KEYS",
            f"prod2:{_b64(_unpredictable(32, 'current'))},prod1:{DEV_ENCRYPTION_KEY}",
            "'prod1' is written in the repository",
        ),
        # The development secret key with a character added, and a key written in a test file.
        ("VAWG_SECRET_KEY", DEFAULT_SECRET_KEY + "-production", "not the development one"),
        ("VAWG_SECRET_KEY", DEV_ENCRYPTION_KEY, "written in the repository"),
        # All zeros, one repeated character, a run: no entropy to speak of.
        ("VAWG_ENCRYPTION_KEYS", f"prod1:{_b64(bytes(32))}", "too predictable"),
        ("VAWG_AUDIT_CHAIN_KEYS", f"audit1:{_b64(bytes(32))}", "too predictable"),
        ("VAWG_ENCRYPTION_KEYS", f"prod1:{_b64(bytes(range(32)))}", "too predictable"),
        ("VAWG_SECRET_KEY", "x" * 48, "too predictable"),
        ("VAWG_SECRET_KEY", "ab" * 24, "too predictable"),
        # The wrong length for the cipher or the MAC.
        ("VAWG_ENCRYPTION_KEYS", f"prod1:{_b64(_unpredictable(16, 'short'))}", "16 bytes, not 32"),
        ("VAWG_ENCRYPTION_KEYS", f"prod1:{_b64(_unpredictable(48, 'long'))}", "48 bytes, not 32"),
        ("VAWG_AUDIT_CHAIN_KEYS", f"audit1:{_b64(_unpredictable(16, 'short mac'))}", "16 bytes, not 32 to 64"),
        ("VAWG_SECRET_KEY", "Zq8!" * 7, "at least 32 characters"),
        ("VAWG_ENCRYPTION_KEYS", "prod1:not-base64!", "not base64"),
    ],
)
def test_production_refuses_a_known_guessable_or_wrong_sized_secret(production, name, value, message):
    production.setenv(name, value)
    with pytest.raises(ConfigurationError, match=message):
        load_config("production")


def test_every_problem_is_named_at_once(production):
    production.setenv("VAWG_ENCRYPTION_KEYS", f"prod1:{_b64(bytes(32))}")
    production.setenv("VAWG_SECRET_KEY", "x" * 48)
    with pytest.raises(ConfigurationError) as refused:
        load_config("production")
    assert "VAWG_SECRET_KEY" in str(refused.value) and "VAWG_ENCRYPTION_KEYS" in str(refused.value)
