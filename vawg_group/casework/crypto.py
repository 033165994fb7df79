"""Field encryption for casework free text: AES-256-GCM under keys from configuration.

``VAWG_ENCRYPTION_KEYS`` holds ``keyid:base64key`` pairs separated by commas; the first is the
current key, the rest are old keys kept only so that values written under them can still be
read until ``flask --app vawg_group rotate-keys`` has re-encrypted them.

``KeyRing.encrypt`` gives ``keyid:nonce:ciphertext`` (nonce and ciphertext in URL-safe base64)
for the associated data it is given. What that data is (the column, the row and its office) is
vawg_group/casework/sealed.py's business: a value copied to another column or another row fails
to decrypt instead of showing up where it does not belong.
"""

from __future__ import annotations

import base64
import binascii
import os
import re
from dataclasses import dataclass
from functools import lru_cache

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from flask import current_app

KEY_ID_PATTERN = re.compile(r"^[A-Za-z0-9_-]{1,16}$")
NONCE_BYTES = 12


class EncryptionConfigError(RuntimeError):
    """The configured keys are missing or malformed."""


class DecryptionError(RuntimeError):
    """A stored value cannot be decrypted: unknown key id, tampered, or moved between columns."""


@dataclass(frozen=True)
class KeyRing:
    """The configured keys, in order; ``current`` encrypts, every key decrypts."""

    keys: tuple[tuple[str, bytes], ...]

    @property
    def current_id(self) -> str:
        return self.keys[0][0]

    def key(self, key_id: str) -> bytes:
        for candidate_id, key in self.keys:
            if candidate_id == key_id:
                return key
        raise DecryptionError(f"no configured key has the id {key_id!r}")

    def encrypt(self, plaintext: str, context: str) -> str:
        nonce = os.urandom(NONCE_BYTES)
        key_id, key = self.keys[0]
        ciphertext = AESGCM(key).encrypt(nonce, plaintext.encode("utf-8"), context.encode("utf-8"))
        return f"{key_id}:{_b64(nonce)}:{_b64(ciphertext)}"

    def decrypt(self, stored: str, context: str) -> str:
        try:
            key_id, nonce, ciphertext = stored.split(":")
            plaintext = AESGCM(self.key(key_id)).decrypt(_unb64(nonce), _unb64(ciphertext), context.encode("utf-8"))
        except (ValueError, binascii.Error, InvalidTag) as error:
            raise DecryptionError(f"a stored value in {context} cannot be decrypted") from error
        return plaintext.decode("utf-8")


def key_id_of(stored: str) -> str:
    return stored.split(":", 1)[0]


def parse_keys(setting: str) -> KeyRing:
    """Read ``keyid:base64key,...``; raise EncryptionConfigError on anything doubtful."""
    keys: list[tuple[str, bytes]] = []
    for part in (p.strip() for p in (setting or "").split(",")):
        if not part:
            continue
        key_id, sep, encoded = part.partition(":")
        if not sep or not KEY_ID_PATTERN.match(key_id):
            raise EncryptionConfigError("each encryption key must be written keyid:base64key (id: letters, digits, - or _)")
        try:
            key = base64.b64decode(encoded, validate=True)
        except binascii.Error:
            raise EncryptionConfigError(f"encryption key {key_id!r} is not valid base64") from None
        if len(key) != 32:
            raise EncryptionConfigError(f"encryption key {key_id!r} must be 32 bytes (AES-256), not {len(key)}")
        if any(existing == key_id for existing, _ in keys):
            raise EncryptionConfigError(f"encryption key id {key_id!r} is given twice")
        keys.append((key_id, key))
    if not keys:
        raise EncryptionConfigError("VAWG_ENCRYPTION_KEYS is empty: casework cannot be stored")
    return KeyRing(tuple(keys))


@lru_cache(maxsize=8)
def _cached_keyring(setting: str) -> KeyRing:
    return parse_keys(setting)


def keyring() -> KeyRing:
    """The key ring of the running app."""
    return _cached_keyring(current_app.config["ENCRYPTION_KEYS"])


def generate_key() -> str:
    """A fresh random 32-byte key, base64-encoded (for the README's rotation steps)."""
    return base64.b64encode(AESGCM.generate_key(bit_length=256)).decode("ascii")


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode("ascii").rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
