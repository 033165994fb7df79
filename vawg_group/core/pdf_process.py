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
calling thread nor the calling script. It costs WeasyPrint's import (about a second) per
render, which is small beside a pack's render and is measured in ``benchmarks/pack.py``.
"""

from __future__ import annotations

import json
import subprocess
import sys
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
        finished = subprocess.run(
            [sys.executable, "-m", "vawg_group.core.pdf_child"],
            input=request.encode("utf-8"),
            capture_output=True,
            timeout=time_limit,
            cwd=PROJECT_ROOT,
            check=False,
        )
    except subprocess.TimeoutExpired:
        # subprocess.run has killed the child and waited for it.
        raise RenderFailed(f"Rendering took longer than {time_limit:g} seconds and was stopped") from None
    except OSError as error:
        raise RenderFailed(f"The renderer could not be started ({error.strerror or error})") from error
    if finished.returncode != 0:
        raise RenderFailed(f"Rendering failed: {_reason(finished)}")
    return time.perf_counter() - started


def _reason(finished: subprocess.CompletedProcess) -> str:
    """The child's own last line on stderr, else how it ended."""
    lines = [line for line in finished.stderr.decode("utf-8", "replace").splitlines() if line.strip()]
    if lines and lines[-1].startswith("render failed: "):
        return lines[-1].removeprefix("render failed: ")[:MAX_REASON_CHARS]
    if finished.returncode < 0:
        return f"the renderer was stopped by signal {-finished.returncode}"
    return f"the renderer stopped (exit code {finished.returncode})"
