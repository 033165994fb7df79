"""Backup, verify and restore: one encrypted archive holding a consistent database copy and the
storage folder (attachments and rendered PDFs).

Inside the encryption (ops/archive.py) the archive is a tar stream: the database copy
(``database.sqlite`` or ``database.pgdump``), then ``storage/...``, then ``manifest.json`` with
each member's size and SHA-256, the engine and the schema revision. Verify and restore read the
whole archive, and check every chunk and every member against the manifest, before anything is
put back; a restore goes only into an empty database and an empty storage folder, and puts back
all of it or nothing (docs/backups.md).
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tarfile
import tempfile
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path, PurePosixPath

from vawg_group.ops import database
from vawg_group.ops.archive import BackupError, DecryptingReader, EncryptingWriter

MANIFEST = "manifest.json"
FORMAT = 1
COPY_BLOCK = 1024 * 1024


@dataclass(frozen=True)
class Manifest:
    engine: str
    revision: str | None
    created: str
    database: str
    files: dict[str, dict]

    @property
    def storage_files(self) -> int:
        return sum(1 for name in self.files if name.startswith("storage/"))

    @property
    def total_bytes(self) -> int:
        return sum(entry["size"] for entry in self.files.values())


def make_backup(url: str, storage_dir: str | Path, out_path: str | Path, keys: list[tuple[str, bytes]]) -> Manifest:
    """Write the archive to ``out_path`` (refused if it exists); the file appears only when whole."""
    out_path, storage = Path(out_path), Path(storage_dir)
    if out_path.exists():
        raise BackupError(f"{out_path} already exists: choose a new file name (a backup never overwrites one)")
    if not out_path.parent.is_dir():
        raise BackupError(f"the folder {out_path.parent} does not exist")
    partial = out_path.with_name(out_path.name + ".partial")
    files: dict[str, dict] = {}
    try:
        with tempfile.TemporaryDirectory(prefix=".vawg-backup-", dir=out_path.parent) as workdir:
            dump = Path(workdir) / database.dump_name(url)
            database.copy_to(url, dump)
            with open(partial, "xb") as sink:
                writer = EncryptingWriter(sink, keys[0])
                with tarfile.open(fileobj=writer, mode="w|", format=tarfile.PAX_FORMAT) as tar:
                    _add_file(tar, dump, dump.name, files)
                    for path in sorted(storage.rglob("*")) if storage.is_dir() else []:
                        if path.is_file() and not path.is_symlink():
                            _add_file(tar, path, "storage/" + path.relative_to(storage).as_posix(), files)
                    manifest = Manifest(
                        engine=database.engine_of(url),
                        revision=database.schema_revision(url),
                        created=datetime.now(UTC).isoformat(timespec="seconds"),
                        database=dump.name,
                        files=files,
                    )
                    _add_bytes(tar, MANIFEST, json.dumps({"format": FORMAT, **manifest.__dict__}, indent=1).encode())
                writer.finish()
                sink.flush()
                os.fsync(sink.fileno())
        os.replace(partial, out_path)
    finally:
        partial.unlink(missing_ok=True)
    return manifest


def _add_file(tar: tarfile.TarFile, path: Path, name: str, files: dict) -> None:
    digest = hashlib.sha256()
    info = tar.gettarinfo(str(path), arcname=name)
    info.uid = info.gid = 0
    info.uname = info.gname = ""
    with open(path, "rb") as handle:
        hashing = _Hashing(handle, digest)
        tar.addfile(info, hashing)
    files[name] = {"size": info.size, "sha256": digest.hexdigest()}


def _add_bytes(tar: tarfile.TarFile, name: str, data: bytes) -> None:
    import io

    info = tarfile.TarInfo(name)
    info.size = len(data)
    info.mtime = int(datetime.now(UTC).timestamp())
    tar.addfile(info, io.BytesIO(data))


class _Hashing:
    """A file read through a digest (tar reads each member once: hash it on the way)."""

    def __init__(self, handle, digest) -> None:
        self._handle, self._digest = handle, digest

    def read(self, size: int = -1) -> bytes:
        data = self._handle.read(size)
        self._digest.update(data)
        return data


def read_archive(path: str | Path, keys: list[tuple[str, bytes]], into: Path | None = None) -> Manifest:
    """Open, authenticate and check the whole archive against its manifest; with ``into``, also
    write its members there (nothing is written without it: ``backup --verify``)."""
    path = Path(path)
    if not path.is_file():
        raise BackupError(f"{path} does not exist or is not a file")
    seen: dict[str, dict] = {}
    manifest_data = None
    with open(path, "rb") as source:
        reader = DecryptingReader(source, keys)
        try:
            with tarfile.open(fileobj=reader, mode="r|") as tar:
                for member in tar:
                    name = _checked_name(member)
                    if name in seen or (manifest_data is not None):
                        raise BackupError(f"the archive is damaged: {name} comes twice or after the manifest")
                    handle = tar.extractfile(member)
                    if name == MANIFEST:
                        manifest_data = handle.read()
                        continue
                    seen[name] = _copy_member(handle, into / name if into else None)
        except tarfile.TarError as error:
            raise BackupError(f"the archive is damaged: {error}") from None
    if manifest_data is None:
        raise BackupError("the archive is damaged: it has no manifest")
    try:
        raw = json.loads(manifest_data)
        raw.pop("format")
        manifest = Manifest(**raw)
    except (ValueError, TypeError, KeyError):
        raise BackupError("the archive is damaged: its manifest cannot be read") from None
    if manifest.files != seen:
        missing = sorted(set(manifest.files) - set(seen)) or sorted(n for n in seen if seen[n] != manifest.files.get(n))
        raise BackupError(f"the archive is damaged: {missing[0] if missing else 'a member'} does not match its manifest")
    return manifest


def _checked_name(member: tarfile.TarInfo) -> str:
    name = member.name
    parts = PurePosixPath(name).parts
    if not member.isfile() or name.startswith("/") or ".." in parts or not parts:
        raise BackupError(f"the archive is damaged or hostile: member {name!r} is not a plain file inside the archive")
    if name not in (MANIFEST, "database.sqlite", "database.pgdump") and parts[0] != "storage":
        raise BackupError(f"the archive is damaged: unexpected member {name!r}")
    return name


def _copy_member(handle, target: Path | None) -> dict:
    digest, size = hashlib.sha256(), 0
    out = None
    if target is not None:
        target.parent.mkdir(parents=True, exist_ok=True)
        out = open(target, "xb")
    try:
        while block := handle.read(COPY_BLOCK):
            digest.update(block)
            size += len(block)
            if out is not None:
                out.write(block)
    finally:
        if out is not None:
            out.close()
    return {"size": size, "sha256": digest.hexdigest()}


def restore(path: str | Path, url: str, storage_dir: str | Path, keys: list[tuple[str, bytes]]) -> Manifest:
    """Put the archive back into the empty database at ``url`` and the empty ``storage_dir``."""
    from vawg_group.core import migrate

    storage = Path(storage_dir)
    _require_empty(url, storage)
    storage.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".vawg-restore-", dir=storage.parent))
    try:
        manifest = read_archive(path, keys, into=staging)
        if manifest.engine != database.engine_of(url):
            raise BackupError(
                f"the archive holds a {manifest.engine} database and VAWG_DATABASE_URL names {database.engine_of(url)}: "
                "restore into the same engine"
            )
        known = _known_revisions(migrate)
        if manifest.revision is not None and manifest.revision not in known:
            raise BackupError(
                f"the archive's schema revision {manifest.revision} is unknown to this version of the service: restore with the version that made it"
            )
        _require_empty(url, storage)  # again: nothing may have arrived while the archive was read
        staged_storage = staging / "storage"
        staged_storage.mkdir(exist_ok=True)
        if storage.exists():
            shutil.rmtree(storage)  # empty folders only (checked above)
        os.replace(staged_storage, storage)
        try:
            database.restore_from(url, staging / manifest.database)
        except BaseException:
            shutil.rmtree(storage, ignore_errors=True)
            storage.mkdir(parents=True, exist_ok=True)
            raise
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return manifest


def _known_revisions(migrate) -> set[str]:
    from alembic.script import ScriptDirectory

    script = ScriptDirectory.from_config(migrate.alembic_config("sqlite://"))
    return {revision.revision for revision in script.walk_revisions()}


def _require_empty(url: str, storage: Path) -> None:
    tables = database.table_count(url)
    if tables:
        raise BackupError(
            f"the database is not empty ({tables} tables): restore only into a new, empty database (nothing was changed)"
        )
    if storage.exists() and any(path.is_file() for path in storage.rglob("*")):
        raise BackupError(f"the storage folder {storage} is not empty: restore only into an empty one (nothing was changed)")
