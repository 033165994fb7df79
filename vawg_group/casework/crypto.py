"""Field encryption for casework free text: AES-256-GCM under keys from configuration.

``VAWG_ENCRYPTION_KEYS`` holds ``keyid:base64key`` pairs separated by commas; the first is the
current key, the rest are old keys kept only so that values written under them can still be
read until ``flask --app vawg_group rotate-keys`` has re-encrypted them.

Each stored value is ``keyid:nonce:ciphertext`` (nonce and ciphertext in URL-safe base64), so
rotation can find the values still under an old key with a plain ``NOT LIKE 'current:%'``.
The column's name is bound in as associated data: a value copied into another column (or
another table) fails to decrypt instead of showing up where it does not belong.
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
from sqlalchemy import Text, select, type_coerce, update
from sqlalchemy.types import TypeDecorator

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


class EncryptedText(TypeDecorator):
    """Text stored encrypted; reads and writes plain ``str`` in Python.

    ``context`` (usually "table.column") is bound in as associated data.
    """

    impl = Text
    cache_ok = True

    def __init__(self, context: str, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.context = context

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        return keyring().encrypt(str(value), self.context)

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        return keyring().decrypt(value, self.context)

    def copy(self, **kw):
        return EncryptedText(self.context)


def encrypted_columns(metadata):
    """Every (table, primary key column, encrypted column) in ``metadata``."""
    for table in metadata.sorted_tables:
        for column in table.columns:
            if isinstance(column.type, EncryptedText):
                [pk] = list(table.primary_key.columns)
                yield table, pk, column


def rotate_keys(session, metadata, batch_size: int = 500) -> dict[str, int]:
    """Re-encrypt every value not under the current key; returns the count per column.

    Works on raw column values (the TypeDecorator bypassed), in batches, flushing each batch;
    the caller commits. Safe to run again: values already under the current key are skipped.
    """
    ring = keyring()
    prefix = f"{ring.current_id}:"
    counts: dict[str, int] = {}
    for table, pk, column in encrypted_columns(metadata):
        raw = type_coerce(column, Text)
        name = f"{table.name}.{column.name}"
        counts[name] = 0
        last_id = None
        while True:
            query = (
                select(pk, raw).where(raw.is_not(None), ~raw.startswith(prefix, autoescape=True)).order_by(pk).limit(batch_size)
            )
            if last_id is not None:
                query = query.where(pk > last_id)
            rows = session.execute(query).all()
            if not rows:
                break
            for row_id, stored in rows:
                plaintext = ring.decrypt(stored, column.type.context)
                session.execute(
                    update(table)
                    .where(pk == row_id)
                    .values({column.name: type_coerce(ring.encrypt(plaintext, column.type.context), Text)})
                )
                counts[name] += 1
                last_id = row_id
            session.flush()
    return counts


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode("ascii").rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
