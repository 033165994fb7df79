"""A consistent copy of the database, and putting one back, for each engine.

SQLite: the online backup API copies the live file in one step, under a read transaction, so
the copy is one moment of the database even while the worker writes (a file copy of a live
database in WAL mode can miss committed pages or catch half a checkpoint). PostgreSQL: pg_dump's
custom format, one snapshot, with a pg_dump at least as new as the server (an older one refuses
to dump a newer server), restored by pg_restore in one transaction.
"""

from __future__ import annotations

import os
import re
import shutil
import sqlite3
import subprocess
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from vawg_group.ops.archive import BackupError


def engine_of(url: str) -> str:
    name = make_url(url).get_backend_name()
    if name not in ("sqlite", "postgresql"):
        raise BackupError(f"backups support SQLite and PostgreSQL, not {name}")
    return name


def dump_name(url: str) -> str:
    return "database.sqlite" if engine_of(url) == "sqlite" else "database.pgdump"


def sqlite_path(url: str) -> Path:
    database = make_url(url).database
    if not database or database == ":memory:":
        raise BackupError("VAWG_DATABASE_URL names an in-memory SQLite database: there is nothing to back up or restore into")
    return Path(database)


def schema_revision(url: str) -> str | None:
    """The Alembic revision the database is at (None: no schema)."""
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            if "alembic_version" not in _table_names(connection):
                return None
            return connection.scalar(text("SELECT version_num FROM alembic_version"))
    finally:
        engine.dispose()


def _table_names(connection) -> list[str]:
    from sqlalchemy import inspect

    return inspect(connection).get_table_names()


def table_count(url: str) -> int:
    """How many tables the database has (0: empty, a restore may go there)."""
    if engine_of(url) == "sqlite":
        path = sqlite_path(url)
        if not path.exists() or path.stat().st_size == 0:
            return 0
        with sqlite3.connect(path) as connection:
            return connection.execute("SELECT count(*) FROM sqlite_master WHERE type = 'table'").fetchone()[0]
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            return connection.scalar(
                text("SELECT count(*) FROM pg_tables WHERE schemaname NOT IN ('pg_catalog', 'information_schema')")
            )
    except Exception as error:  # noqa: BLE001 - any failure to connect is the operator's to fix
        raise BackupError(f"cannot reach the database (VAWG_DATABASE_URL): {_first_line(error)}") from None
    finally:
        engine.dispose()


def copy_to(url: str, destination: Path) -> None:
    """Write a consistent copy of the database at ``url`` to ``destination``."""
    if engine_of(url) == "sqlite":
        _sqlite_copy(sqlite_path(url), destination)
    else:
        _pg_dump(url, destination)


def restore_from(url: str, dump: Path) -> None:
    """Put ``dump`` into the empty database at ``url``: all of it, or (on failure) nothing."""
    if engine_of(url) == "sqlite":
        target = sqlite_path(url)
        for extra in ("-wal", "-shm", "-journal"):
            Path(f"{target}{extra}").unlink(missing_ok=True)
        target.parent.mkdir(parents=True, exist_ok=True)
        staged = target.with_name(target.name + ".restoring")
        shutil.copyfile(dump, staged)
        os.replace(staged, target)
    else:
        _pg_restore(url, dump)


def _sqlite_copy(source: Path, destination: Path) -> None:
    if not source.exists():
        raise BackupError(f"the SQLite database {source} does not exist")
    # Read-only: the backup never changes the live database (mode=ro still reads its WAL).
    live = sqlite3.connect(f"{source.resolve().as_uri()}?mode=ro", uri=True, timeout=30)
    copy = sqlite3.connect(destination)
    try:
        live.execute("PRAGMA busy_timeout=30000")
        # pages=-1: every page in one step, under one read transaction: one moment of the database.
        live.backup(copy, pages=-1)
        copy.execute("PRAGMA journal_mode=DELETE")
        if copy.execute("PRAGMA quick_check").fetchone()[0] != "ok":
            raise BackupError(
                "the SQLite copy fails its integrity check: the live database may be damaged (PRAGMA integrity_check)"
            )
    except sqlite3.OperationalError as error:
        raise BackupError(f"cannot copy the SQLite database: {error} (is another process holding it locked for long?)") from None
    finally:
        copy.close()
        live.close()


def _libpq(url: str) -> tuple[str, dict]:
    """A libpq connection string without the password, and the environment carrying it (a
    password in the command line would show in the process list)."""
    parsed = make_url(url)
    env = dict(os.environ)
    if parsed.password:
        env["PGPASSWORD"] = str(parsed.password)
    plain = parsed.set(drivername="postgresql", password=None)
    return plain.render_as_string(hide_password=False), env


def server_major(url: str) -> int:
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            return int(connection.scalar(text("SHOW server_version_num"))) // 10000
    except Exception as error:  # noqa: BLE001
        raise BackupError(f"cannot reach the database (VAWG_DATABASE_URL): {_first_line(error)}") from None
    finally:
        engine.dispose()


def pg_tool(name: str, url: str) -> str:
    """The pg_dump or pg_restore that matches the server: VAWG_PG_BIN_DIR's, else Debian's for
    the server's major version, else the one on PATH; refused if older than the server."""
    major = server_major(url)
    candidates = []
    if os.environ.get("VAWG_PG_BIN_DIR"):
        chosen = Path(os.environ["VAWG_PG_BIN_DIR"]) / name
        if not (chosen.is_file() and os.access(chosen, os.X_OK)):
            raise BackupError(
                f"VAWG_PG_BIN_DIR is set, but {chosen} is not a program: point it at the bin folder of postgresql-client-{major}"
            )
        candidates.append(chosen)
    candidates.append(Path(f"/usr/lib/postgresql/{major}/bin/{name}"))
    found = shutil.which(name)
    if found:
        candidates.append(Path(found))
    return choose_tool(name, candidates, major)


def choose_tool(name: str, candidates: list[Path], major: int) -> str:
    """The first of ``candidates`` that exists, if it is at least the server's major version."""
    for candidate in candidates:
        if candidate.is_file() and os.access(candidate, os.X_OK):
            output = subprocess.run([str(candidate), "--version"], capture_output=True, text=True, check=False).stdout
            match = re.search(r"\(PostgreSQL\)\s+(\d+)", output) or re.search(r"(\d+)(?:\.\d+)?", output)
            client = int(match.group(1)) if match else 0
            if client >= major:
                return str(candidate)
            raise BackupError(
                f"{candidate} is version {client}, older than the PostgreSQL {major} server: "
                f"install postgresql-client-{major} or set VAWG_PG_BIN_DIR to its bin folder"
            )
    raise BackupError(f"{name} is not installed: install postgresql-client-{major} (or set VAWG_PG_BIN_DIR)")


def _pg_dump(url: str, destination: Path) -> None:
    tool = pg_tool("pg_dump", url)
    dbname, env = _libpq(url)
    result = subprocess.run(
        [tool, "--format=custom", "--no-password", f"--file={destination}", f"--dbname={dbname}"],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    if result.returncode != 0:
        raise BackupError(f"pg_dump failed: {_first_line(result.stderr)}")


def _pg_restore(url: str, dump: Path) -> None:
    tool = pg_tool("pg_restore", url)
    dbname, env = _libpq(url)
    result = subprocess.run(
        [
            tool,
            "--single-transaction",
            "--exit-on-error",
            "--no-owner",
            "--no-privileges",
            "--no-password",
            f"--dbname={dbname}",
            str(dump),
        ],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    if result.returncode != 0:
        raise BackupError(f"pg_restore failed, nothing was restored (one transaction): {_first_line(result.stderr)}")


def _first_line(error) -> str:
    lines = [line.strip() for line in str(error).splitlines() if line.strip()]
    return lines[0] if lines else "no message"
