"""Rendering a PDF in a child process, with a time limit and a memory limit.

WeasyPrint holds the whole document in memory and can take minutes over a pathological
table, so every render the service does (pack versions, agenda PDFs, personal copies) runs in
a child process that is killed when it takes too long and cannot grow past a memory ceiling;
the thread that asked only waits.

The children come from one renderer process per rendering process (the worker), started the
first time something is rendered: ``python -m vawg_group.core.pdf_child``. It imports
WeasyPrint and renders a warm-up document once, then forks a child for each document, so a
render no longer pays about a second of imports and font loading in a fresh interpreter
(``benchmarks/pack_worker.py`` measures both). Each child renders once and exits: nothing of
one document survives into the next.

Why a renderer process rather than forking here: the worker calls this from thread-pool
threads (APScheduler's and the mail pool's), and on Python 3.11 a child forked from a thread
that is not the main thread exits with code 1 even when its work succeeded; the renderer is
single-threaded. The "spawn" and "forkserver" contexts of multiprocessing avoid that too, but
re-run the caller's ``__main__`` in every child, so they work or not depending on which script
started the process; a module started as a subprocess depends on neither.

Only a process that renders (the worker) ever starts a renderer; the web process never renders.
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
    fails, is killed, or takes longer than ``time_limit`` seconds. Returns or raises only once
    the child has ended, so nothing writes to ``target`` afterwards.
    """
    request = {"options": options, "target": str(target), "memory_limit_mb": memory_limit_mb, "time_limit": time_limit}
    started = time.perf_counter()
    try:
        outcome = _submit(request).wait(time_limit + RENDERER_START_SECONDS)
    except OSError as error:
        raise RenderFailed(f"The renderer could not be started ({error.strerror or error})") from error
    _count(outcome)
    if outcome.get("timed_out"):
        raise RenderFailed(f"Rendering took longer than {time_limit:g} seconds and was stopped")
    if outcome["returncode"] != 0:
        raise RenderFailed(f"Rendering failed: {_reason(outcome, memory_limit_mb)}")
    return time.perf_counter() - started


# How long the renderer may take to start (its imports and warm-up) on top of a render's own
# limit before it is taken to be stuck, stopped, and started afresh for the next render.
RENDERER_START_SECONDS = 60


class _Waiting:
    """One request sent to the renderer, until the renderer says how its child ended."""

    def __init__(self, renderer: _Renderer):
        self.renderer = renderer
        self.done = threading.Event()
        self.outcome: dict = {}

    def finish(self, outcome: dict) -> None:
        self.outcome = outcome
        self.done.set()

    def wait(self, seconds: float) -> dict:
        if not self.done.wait(seconds):
            self.renderer.stop()  # stuck: its children die with it, and every waiting render fails
            self.done.wait()
        return self.outcome


class _Renderer:
    """The renderer process (``core/pdf_child.py``) and the requests waiting on its answers.

    A reader thread takes its answers (one JSON line each) and wakes the thread that asked.
    When the renderer ends, every request still waiting fails with how it ended."""

    def __init__(self):
        self.process = subprocess.Popen(
            [sys.executable, "-m", "vawg_group.core.pdf_child"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            cwd=PROJECT_ROOT,
        )
        self.waiting: dict[int, _Waiting] = {}
        self.lock = threading.Lock()
        self.ended = False
        self.next_id = 0
        threading.Thread(target=self._read_answers, name="pdf-renderer-answers", daemon=True).start()

    def submit(self, request: dict) -> _Waiting | None:
        """Send a request; None when this renderer has ended (the caller starts another)."""
        with self.lock:
            if self.ended:
                return None
            self.next_id += 1
            waiting = self.waiting[self.next_id] = _Waiting(self)
            try:
                self.process.stdin.write(json.dumps({**request, "id": self.next_id}).encode("utf-8") + b"\n")
                self.process.stdin.flush()
            except (BrokenPipeError, ValueError):
                del self.waiting[self.next_id]
                return None
            return waiting

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.kill()

    def close(self) -> None:
        """Closing its input tells the renderer to finish; it kills any child still running."""
        try:
            self.process.stdin.close()
            self.process.wait(timeout=5)
        except (OSError, subprocess.TimeoutExpired):
            self.stop()
            self.process.wait()

    def _read_answers(self) -> None:
        for line in self.process.stdout:
            answer = json.loads(line)
            with self.lock:
                waiting = self.waiting.pop(answer["id"], None)
            if waiting is not None:
                waiting.finish(answer)
        returncode = self.process.wait()
        with self.lock:
            self.ended = True
            left, self.waiting = list(self.waiting.values()), {}
        for waiting in left:
            waiting.finish({"returncode": returncode if returncode else 1, "reason": "", "renderer_ended": True})


_renderer: _Renderer | None = None
_renderer_lock = threading.Lock()
_spent = {"cpu_seconds": 0.0, "max_rss_mb": 0.0}


def _count(outcome: dict) -> None:
    with _renderer_lock:
        _spent["cpu_seconds"] += outcome.get("cpu_seconds", 0.0)
        _spent["max_rss_mb"] = max(_spent["max_rss_mb"], outcome.get("max_rss_mb", 0.0))


def children_spent() -> tuple[float, float]:
    """The CPU seconds used by every render child of this process so far, and the largest peak
    memory (MB) of one. The renderer reaps them, so ``resource.RUSAGE_CHILDREN`` never counts
    them; ``benchmarks/pack.py`` reads this instead."""
    with _renderer_lock:
        return _spent["cpu_seconds"], _spent["max_rss_mb"]


def _submit(request: dict) -> _Waiting:
    """Send the request to this process's renderer, starting one if there is none or it ended."""
    global _renderer
    with _renderer_lock:
        for _ in range(2):
            if _renderer is None or _renderer.ended or _renderer.process.poll() is not None:
                _renderer = _Renderer()
            waiting = _renderer.submit(request)
            if waiting is not None:
                return waiting
            _renderer = None
    raise OSError("the renderer ended as soon as it started")


@atexit.register
def _stop_renderer() -> None:
    global _renderer
    with _renderer_lock:
        renderer, _renderer = _renderer, None
    if renderer is not None:
        renderer.close()


def _reason(outcome: dict, memory_limit_mb: int | None = None) -> str:
    """What the child said about its failure, else how it ended. A child that could not even
    say is most often one that ran out of memory inside a C library, which aborts."""
    reason = " ".join(str(outcome.get("reason") or "").split())
    if reason:
        return reason[:MAX_REASON_CHARS]
    if outcome.get("renderer_ended"):
        return "the renderer stopped before the document was finished"
    returncode = outcome["returncode"]
    if returncode < 0:
        limit = f" (it may have needed more than its {memory_limit_mb} MB of memory)" if memory_limit_mb else ""
        return f"the renderer was stopped by signal {-returncode}{limit}"
    return f"the renderer stopped (exit code {returncode})"
