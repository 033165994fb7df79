"""The backup archive's encryption: AES-256-GCM over fixed-size chunks, so a backup of any
size streams through a megabyte of memory.

Layout (all integers big-endian)::

    header  MAGIC | key id length (1) | key id | nonce prefix (8) | chunk size (4)
    chunk   final flag (1) | ciphertext length (4) | ciphertext (plaintext + 16-byte tag)

Chunk ``n`` is sealed under the nonce ``prefix | n`` (4 bytes) with the whole header, ``n`` and
the final flag as associated data (the STREAM construction): a chunk moved, dropped, replayed
from another archive or cut from the end fails to open, and an archive whose last chunk is not
marked final is truncated. Nothing is returned from a chunk before its tag has been checked.

``VAWG_BACKUP_KEY`` holds ``keyid:base64key`` pairs (32-byte keys) separated by commas: the
first seals new backups, every one opens old ones. It must not be one of the field keys
(``VAWG_ENCRYPTION_KEYS``): the backup key lives with the backups' custodian, the field keys
with the running service, and a restore needs both (docs/backups.md).
"""

from __future__ import annotations

import base64
import binascii
import io
import os
import re
import struct

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

MAGIC = b"VAWG-BACKUP-1\n"
CHUNK_SIZE = 1024 * 1024
KEY_ID_PATTERN = re.compile(r"^[A-Za-z0-9_-]{1,16}$")
MAX_CHUNKS = 2**32


class BackupError(RuntimeError):
    """A refusal an operator reads: one line, saying what is wrong and what to do."""


def parse_keys(raw: str, *, field_keys: str = "") -> list[tuple[str, bytes]]:
    """The backup keys in ``raw`` (``VAWG_BACKUP_KEY``), first one current; refused when
    missing, malformed, or the same as a field key."""
    if not raw or not raw.strip():
        raise BackupError(
            "VAWG_BACKUP_KEY is not set: give it a keyid:base64key pair (32 random bytes), kept apart from the field keys"
        )
    keys = []
    for part in raw.split(","):
        key_id, sep, encoded = part.strip().partition(":")
        if not sep or not KEY_ID_PATTERN.match(key_id):
            raise BackupError(
                "VAWG_BACKUP_KEY must be keyid:base64key pairs separated by commas (key ids: letters, digits, - and _)"
            )
        try:
            key = base64.b64decode(encoded.strip(), validate=True)
        except (binascii.Error, ValueError):
            raise BackupError(f"VAWG_BACKUP_KEY: key {key_id!r} is not valid base64") from None
        if len(key) != 32:
            raise BackupError(f"VAWG_BACKUP_KEY: key {key_id!r} is {len(key)} bytes, not 32")
        keys.append((key_id, key))
    field = set()
    for part in (field_keys or "").split(","):
        _, _, encoded = part.strip().partition(":")
        try:
            field.add(base64.b64decode(encoded.strip(), validate=True))
        except (binascii.Error, ValueError):
            continue
    if any(key in field for _, key in keys):
        raise BackupError("VAWG_BACKUP_KEY must not be one of the field keys (VAWG_ENCRYPTION_KEYS): make a separate key")
    return keys


def _header(key_id: str, prefix: bytes, chunk_size: int) -> bytes:
    encoded = key_id.encode("ascii")
    return MAGIC + bytes([len(encoded)]) + encoded + prefix + struct.pack(">I", chunk_size)


def _aad(header: bytes, index: int, final: bool) -> bytes:
    return header + struct.pack(">Q", index) + (b"\x01" if final else b"\x00")


def _nonce(prefix: bytes, index: int) -> bytes:
    return prefix + struct.pack(">I", index)


class EncryptingWriter(io.RawIOBase):
    """A write-only file: what is written goes out sealed, a chunk at a time, to ``sink``."""

    def __init__(self, sink, key: tuple[str, bytes], chunk_size: int = CHUNK_SIZE) -> None:
        super().__init__()
        key_id, secret = key
        self._sink = sink
        self._aead = AESGCM(secret)
        self._prefix = os.urandom(8)
        self._header = _header(key_id, self._prefix, chunk_size)
        self._chunk_size = chunk_size
        self._buffer = bytearray()
        self._index = 0
        self._sealed = False
        sink.write(self._header)

    def writable(self) -> bool:
        return True

    def write(self, data) -> int:
        self._buffer += data
        while len(self._buffer) > self._chunk_size:
            self._emit(bytes(self._buffer[: self._chunk_size]), final=False)
            del self._buffer[: self._chunk_size]
        return len(data)

    def _emit(self, plaintext: bytes, *, final: bool) -> None:
        if self._index >= MAX_CHUNKS:
            raise BackupError("the backup is larger than one archive can hold (4 PiB)")
        sealed = self._aead.encrypt(_nonce(self._prefix, self._index), plaintext, _aad(self._header, self._index, final))
        self._sink.write((b"\x01" if final else b"\x00") + struct.pack(">I", len(sealed)) + sealed)
        self._index += 1

    def finish(self) -> None:
        """Seal what is left as the final chunk (an archive without one reads as truncated)."""
        if not self._sealed:
            self._emit(bytes(self._buffer), final=True)
            self._buffer.clear()
            self._sealed = True


class DecryptingReader(io.RawIOBase):
    """A read-only file over an archive: each chunk is authenticated before any of it is read."""

    def __init__(self, source, keys: list[tuple[str, bytes]]) -> None:
        super().__init__()
        self._source = source
        magic = source.read(len(MAGIC))
        if MAGIC.startswith(magic) and len(magic) < len(MAGIC):
            raise BackupError("the archive is truncated (its header is incomplete)")
        if magic != MAGIC:
            raise BackupError("not a VAWG backup archive (its first bytes are wrong)")
        length = source.read(1)
        if not length:
            raise BackupError("the archive is truncated (its header is incomplete)")
        key_id = source.read(length[0])
        prefix = source.read(8)
        chunk_size = source.read(4)
        if len(key_id) != length[0] or len(prefix) != 8 or len(chunk_size) != 4:
            raise BackupError("the archive is truncated (its header is incomplete)")
        self.key_id = key_id.decode("ascii", "replace")
        known = dict(keys)
        if self.key_id not in known:
            raise BackupError(
                f"the archive was sealed with backup key {self.key_id!r}, which VAWG_BACKUP_KEY does not hold "
                f"(it holds {', '.join(repr(k) for k, _ in keys)})"
            )
        self._aead = AESGCM(known[self.key_id])
        self._prefix = prefix
        self._header = _header(self.key_id, prefix, struct.unpack(">I", chunk_size)[0])
        self._max_sealed = struct.unpack(">I", chunk_size)[0] + 16
        self._plain = b""
        self._offset = 0
        self._index = 0
        self._done = False

    def readable(self) -> bool:
        return True

    def _next_chunk(self) -> None:
        framing = self._source.read(5)
        if len(framing) < 5:
            raise BackupError("the archive is truncated: it ends before its final chunk")
        final = framing[0] == 1
        size = struct.unpack(">I", framing[1:])[0]
        if framing[0] not in (0, 1) or size > self._max_sealed or size < 16:
            raise BackupError(f"the archive is damaged or tampered with (chunk {self._index} has a bad frame)")
        sealed = self._source.read(size)
        if len(sealed) < size:
            raise BackupError("the archive is truncated: it ends inside a chunk")
        try:
            self._plain = self._aead.decrypt(_nonce(self._prefix, self._index), sealed, _aad(self._header, self._index, final))
        except InvalidTag:
            if self._index == 0:
                raise BackupError(
                    f"the archive does not open with backup key {self.key_id!r}: a wrong key, or the archive was tampered with"
                ) from None
            raise BackupError(f"the archive is damaged or tampered with (chunk {self._index} fails its check)") from None
        self._offset = 0
        self._index += 1
        if final:
            if self._source.read(1):
                raise BackupError("the archive is damaged or tampered with (data after its final chunk)")
            self._done = True

    def readinto(self, buffer) -> int:
        while self._offset >= len(self._plain):
            if self._done:
                return 0
            self._next_chunk()
        count = min(len(buffer), len(self._plain) - self._offset)
        buffer[:count] = self._plain[self._offset : self._offset + count]
        self._offset += count
        return count
