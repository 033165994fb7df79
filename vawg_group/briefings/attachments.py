"""Briefing attachments: PDF, DOCX or XLSX only, recognised from their content.

The name's extension must match what the bytes are: a PDF starts ``%PDF-``; DOCX and XLSX are
ZIP packages whose ``[Content_Types].xml`` and main part say which they are. Macro-enabled
packages are refused, and so are ZIPs that would expand beyond reason. Files are written
under STORAGE_DIR with generated names, outside the web root, and only ever served as
downloads (``Content-Disposition: attachment``, ``nosniff``).
"""

from __future__ import annotations

import hashlib
import io
import os
import re
import secrets
import zipfile
from dataclasses import dataclass
from pathlib import Path

from flask import current_app

from vawg_group.core.validation import ValidationError

MAX_ATTACHMENT_BYTES = 5 * 1024 * 1024
MAX_ATTACHMENTS_PER_BRIEFING = 10
# A ZIP package expanding beyond this (or with this many parts) is refused as a bomb.
MAX_UNPACKED_BYTES = 100 * 1024 * 1024
MAX_ZIP_MEMBERS = 5_000

KINDS = {
    "pdf": "application/pdf",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
_MAIN_PARTS = {"docx": "word/document.xml", "xlsx": "xl/workbook.xml"}


@dataclass(frozen=True)
class CheckedFile:
    kind: str
    content_type: str
    safe_name: str
    sha256: str
    size: int


def safe_display_name(filename: str) -> str:
    """The user's file name reduced to a harmless one (no paths, no control characters)."""
    name = filename.replace("\\", "/").rsplit("/", 1)[-1]
    name = re.sub(r"[^\w .()\-]", "_", name, flags=re.UNICODE).strip(" .") or "attachment"
    return name[-150:]


def sniff(data: bytes) -> str | None:
    """What the bytes are: "pdf", "docx", "xlsx", or None for anything else."""
    if data.startswith(b"%PDF-"):
        return "pdf"
    if not data.startswith(b"PK\x03\x04"):
        return None
    try:
        package = zipfile.ZipFile(io.BytesIO(data))
        members = package.infolist()
    except (zipfile.BadZipFile, ValueError, OSError):
        return None
    if len(members) > MAX_ZIP_MEMBERS or sum(m.file_size for m in members) > MAX_UNPACKED_BYTES:
        return None
    names = {member.filename for member in members}
    if "[Content_Types].xml" not in names or any(name.lower().endswith("vbaproject.bin") for name in names):
        return None
    try:
        content_types = package.read("[Content_Types].xml")[:200_000]
    except (zipfile.BadZipFile, KeyError, OSError, RuntimeError):
        return None
    if b"macroEnabled" in content_types:
        return None
    for kind, part in _MAIN_PARTS.items():
        if part in names:
            return kind
    return None


def check_upload(filename: str, data: bytes, field: str = "file") -> CheckedFile:
    """Raise ValidationError unless ``data`` is a PDF, DOCX or XLSX within the size limit whose
    name says the same as its content."""
    if not filename:
        raise ValidationError({field: "Select a file"})
    if not data:
        raise ValidationError({field: "The selected file is empty"})
    if len(data) > MAX_ATTACHMENT_BYTES:
        raise ValidationError({field: f"The selected file must be smaller than {MAX_ATTACHMENT_BYTES // (1024 * 1024)} MB"})
    extension = filename.rsplit(".", 1)[-1].lower() if "." in filename else ""
    if extension not in KINDS:
        raise ValidationError({field: "The selected file must be a PDF, DOCX or XLSX"})
    kind = sniff(data)
    if kind != extension:
        raise ValidationError(
            {field: f"The selected file is named .{extension} but its content is not a valid {extension.upper()} file"}
        )
    return CheckedFile(
        kind=kind,
        content_type=KINDS[kind],
        safe_name=safe_display_name(filename),
        sha256=hashlib.sha256(data).hexdigest(),
        size=len(data),
    )


def storage_dir() -> Path:
    path = Path(current_app.config["STORAGE_DIR"]) / "briefings"
    path.mkdir(parents=True, exist_ok=True, mode=0o700)
    return path


def store(data: bytes, kind: str) -> str:
    """Write ``data`` under a generated name; returns the name."""
    name = f"{secrets.token_hex(16)}.{kind}"
    path = storage_dir() / name
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "wb") as handle:
        handle.write(data)
    return name


def path_of(stored_name: str) -> Path:
    if not re.fullmatch(r"[0-9a-f]{32}\.(pdf|docx|xlsx)", stored_name):
        raise ValueError("not a stored attachment name")
    return storage_dir() / stored_name


def remove(stored_name: str) -> None:
    try:
        path_of(stored_name).unlink()
    except FileNotFoundError:
        pass
