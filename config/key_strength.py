"""Whether a production secret is fit for use: not from the repository, not guessable, the right size.

The production check used to compare keys only with the shipped development values, so the same
key under another key id, an all-zero key or "xxxx..." passed. Each secret is now refused when
its value (the whole setting, or a key's base64 part) appears in any file of the repository
(the development keys, and every key a test or a document writes down), when it is of the wrong
length, or when it has too little entropy.
"""

from __future__ import annotations

import base64
import binascii
import math
import os
from collections import Counter
from functools import lru_cache
from pathlib import Path

# What is read for values written down in the repository: its text files, not what is installed
# or generated next to it.
_SKIPPED_DIRS = {
    ".git",
    ".venv",
    "node_modules",
    "instance",
    "__pycache__",
    ".pytest_cache",
    ".ruff_cache",
    ".hypothesis",
    ".import_linter_cache",
    "test-artifacts",
    "static",
    "assets",
    ".make",
}
_TEXT_SUFFIXES = {
    ".py",
    ".md",
    ".txt",
    ".toml",
    ".cfg",
    ".ini",
    ".sh",
    ".json",
    ".yml",
    ".yaml",
    ".html",
    ".ics",
    ".eml",
    ".conf",
}
# Never ".env" files: a deployment may keep its real settings in one beside the code.
# Estimated entropy a secret must carry: 128 bits, as AES-128 or a 16-byte random token.
MIN_ENTROPY_BITS = 128


def _shannon_bits(symbols: list[int]) -> float:
    if not symbols:
        return 0.0
    total = len(symbols)
    per_symbol = -sum(count / total * math.log2(count / total) for count in Counter(symbols).values())
    return per_symbol * total


def estimated_entropy_bits(data: bytes | str) -> float:
    """Shannon entropy of the symbols' frequencies times their number, and the same of the steps
    between neighbours; the lower. An upper bound on what the value holds: low for repeats
    ("xxxx", all zeros), short alphabets and runs (0, 1, 2, ... or "abcdef...")."""
    symbols = list(data.encode("utf-8") if isinstance(data, str) else data)
    steps = [(after - before) % 256 for before, after in zip(symbols, symbols[1:], strict=False)]
    return min(_shannon_bits(symbols), _shannon_bits(steps) * len(symbols) / max(len(steps), 1))


@lru_cache(maxsize=4)
def _repository_text(root: str) -> str:
    chunks = []
    for folder, dirs, files in os.walk(root):
        dirs[:] = [name for name in dirs if name not in _SKIPPED_DIRS]
        for name in files:
            path = Path(folder, name)
            if path.suffix not in _TEXT_SUFFIXES:
                continue
            try:
                if path.stat().st_size < 2_000_000:
                    chunks.append(path.read_text(encoding="utf-8"))
            except (UnicodeDecodeError, OSError):
                continue
    return "\n".join(chunks)


def appears_in_repository(value: str, root: Path) -> bool:
    return bool(value) and value in _repository_text(str(root))


def secret_key_problems(name: str, value: str, root: Path) -> list[str]:
    """Problems with a secret written as text (VAWG_SECRET_KEY)."""
    if len(value) < 32:
        return [f"{name} must be at least 32 characters"]
    if appears_in_repository(value, root):
        return [f"{name} is a value written in the repository: generate a new one"]
    if estimated_entropy_bits(value) < MIN_ENTROPY_BITS:
        return [f"{name} is too predictable: use a random value (python -c 'import secrets; print(secrets.token_urlsafe(48))')"]
    return []


def key_list_problems(name: str, setting: str, root: Path, *, sizes: range) -> list[str]:
    """Problems with ``keyid:base64key,...`` (VAWG_ENCRYPTION_KEYS, VAWG_AUDIT_CHAIN_KEYS): each
    key must decode to a length in ``sizes``, carry enough entropy and not be in the repository."""
    problems = []
    parts = [part.strip() for part in (setting or "").split(",") if part.strip()]
    if not parts:
        return [f"{name} must hold the production key(s), written keyid:base64key"]
    for part in parts:
        key_id, _, encoded = part.partition(":")
        try:
            key = base64.b64decode(encoded, validate=True)
        except (binascii.Error, ValueError):
            problems.append(f"{name}: key {key_id!r} is not base64")
            continue
        if len(key) not in sizes:
            wanted = f"{sizes.start}" if len(sizes) == 1 else f"{sizes.start} to {sizes.stop - 1}"
            problems.append(f"{name}: key {key_id!r} is {len(key)} bytes, not {wanted}")
        elif appears_in_repository(encoded, root):
            problems.append(f"{name}: key {key_id!r} is written in the repository: generate a new one")
        elif estimated_entropy_bits(key) < MIN_ENTROPY_BITS:
            problems.append(f"{name}: key {key_id!r} is too predictable: generate it from a random source")
    return problems
