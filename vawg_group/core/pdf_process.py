"""Rendering a PDF in a child process, with a time limit and a memory limit.

WeasyPrint holds the whole document in memory and can take minutes over a pathological
table, so every render the service does (pack versions, agenda PDFs) runs in a child process
that is killed when it takes too long and cannot grow past a memory ceiling; the worker thread
that asked only waits.

The child is a fresh interpreter running the module entry point ``vawg_group.core.pdf_child``,
never a fork of the caller: the worker calls this from thread-pool threads (APScheduler's and
the mail pool's), and on Python 3.11 a child forked from a thread that is not the main thread
exits with code 1 even when its work succeeded. The "spawn" and "forkserver" contexts avoid
that, but re-run the caller's ``__main__`` in every child, so they work or not depending on
which script started the process. A subprocess running a module depends on neither the
calling thread nor the calling script.

A child pays WeasyPrint's import (about a second) before it can render, so one spare child is
kept started ahead: it imports the renderer and waits for its request on standard input.
A render takes the spare (or starts one if there is none, or it died) and starts the next
spare at once, so the import overlaps the wait rather than the render. Each child renders
once and exits: nothing of one document survives into the next. Only a process that renders
(the worker) ever has a spare; the web process never renders. Measured in
``benchmarks/pack_worker.py``.
"""

from __future__ import annotations

import atexit
import json
import subprocess
import sys
import threading
import time
from pathlib import Path

from config import PROJECT_ROOT

# A 100-page pack takes well under 500 MB; a document that needs more than this is broken.
DEFAULT_MEMORY_LIMIT_MB = 2048
# What the child may print about a failure: enough for a reason, never a whole document.
MAX_REASON_CHARS = 300


class RenderFailed(Exception):
    """The PDF could not be made; the message says why, in words staff can act on."""


def render_to_file(
    options: dict, target: Path, *, time_limit: float, memory_limit_mb: int | None = DEFAULT_MEMORY_LIMIT_MB
) -> float:
    """Run ``vawg_group.core.pdf.render_pdf(**options)`` in a child process and write its PDF
    to ``target``; returns the seconds it took. Safe to call from any thread of any process.

    ``options`` holds plain values (strings and None). Raises RenderFailed when the child
    fails, is killed, or takes longer than ``time_limit`` seconds.
    """
    request = json.dumps({"options": options, "target": str(target), "memory_limit_mb": memory_limit_mb})
    started = time.perf_counter()
    try:
        child = _take_child()
    except OSError as error:
        raise RenderFailed(f"The renderer could not be started ({error.strerror or error})") from error
    try:
        stdout, stderr = child.communicate(request.encode("utf-8"), timeout=time_limit)
    except subprocess.TimeoutExpired:
        child.kill()
        child.communicate()
        raise RenderFailed(f"Rendering took longer than {time_limit:g} seconds and was stopped") from None
    finished = subprocess.CompletedProcess(child.args, child.returncode, stdout, stderr)
    if finished.returncode != 0:
        raise RenderFailed(f"Rendering failed: {_reason(finished, memory_limit_mb)}")
    return time.perf_counter() - started


_spare: subprocess.Popen | None = None
_spare_lock = threading.Lock()


def _start_child() -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "vawg_group.core.pdf_child"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        cwd=PROJECT_ROOT,
    )


def _take_child() -> subprocess.Popen:
    """The spare child if it is still waiting, else a new one; a new spare starts either way."""
    global _spare
    with _spare_lock:
        child, _spare = _spare, None
        if child is None or child.poll() is not None:
            child = _start_child()
        try:
            _spare = _start_child()
        except OSError:
            _spare = None  # the render in hand still goes ahead; the next one tries again
    return child


@atexit.register
def _stop_spare() -> None:
    global _spare
    with _spare_lock:
        child, _spare = _spare, None
    if child is not None and child.poll() is None:
        child.kill()
        child.wait()


def _reason(finished: subprocess.CompletedProcess, memory_limit_mb: int | None = None) -> str:
    """The child's own last line on stderr, else how it ended. A child that could not even
    report is most often one that ran out of memory inside a C library, which aborts."""
    lines = [line for line in finished.stderr.decode("utf-8", "replace").splitlines() if line.strip()]
    if lines and lines[-1].startswith("render failed: "):
        return lines[-1].removeprefix("render failed: ")[:MAX_REASON_CHARS]
    if finished.returncode < 0:
        limit = f" (it may have needed more than its {memory_limit_mb} MB of memory)" if memory_limit_mb else ""
        return f"the renderer was stopped by signal {-finished.returncode}{limit}"
    return f"the renderer stopped (exit code {finished.returncode})"
