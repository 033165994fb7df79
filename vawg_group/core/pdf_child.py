"""The renderer process: ``python -m vawg_group.core.pdf_child``.

It imports WeasyPrint once and renders a small warm-up document, so fonts, layout tables and
stylesheets are loaded; then for every request it forks a child that renders that one document
and exits. A fork of this warm process starts rendering at once, where a fresh interpreter first
pays about a second of imports and font loading (measured in ``benchmarks/pack_worker.py``).
Forking is safe here because this process is single-threaded and does nothing but fork and
reap: the caller (``core/pdf_process.py``) may have many threads, so it never forks itself.

Each child renders exactly one document and exits, so nothing of one document survives into
the next, and each caps its own address space before rendering. This process kills a child
that passes its time limit, and reports each child's end.

The conversation is JSON lines. On standard input, one request per line: ``id``, ``options``
for ``render_pdf``, the ``target`` file, ``memory_limit_mb`` and ``time_limit``. On standard
output, one line per finished request: its ``id``, the child's ``returncode`` (negative: the
signal that ended it), ``timed_out``, the child's ``reason`` when it failed, and what it cost
(``cpu_seconds``, ``max_rss_mb``). When standard input closes (the caller has gone) the children still running are killed and this process
exits.
"""

from __future__ import annotations

import json
import os
import resource
import selectors
import signal
import sys
import time
from dataclasses import dataclass

# What a child may say about its failure: one line, never a whole document.
MAX_REASON_BYTES = 1024
# How long past its time limit a child whose server has gone keeps going before it ends itself.
ORPHAN_GRACE_SECONDS = 5


def limit_memory(megabytes: int | None) -> None:
    if not megabytes:
        return
    ceiling = megabytes * 1024 * 1024
    _soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    if hard != resource.RLIM_INFINITY:
        ceiling = min(ceiling, hard)
    resource.setrlimit(resource.RLIMIT_AS, (ceiling, hard))


def render_one(render_pdf, request: dict) -> bytes | None:
    """Render one request to its target file; the reason it failed, or None."""
    memory_limit_mb = request.get("memory_limit_mb")
    # Made before the limit applies: out of memory, even formatting a message can fail.
    over_limit = f"the document needed more than the memory limit of {memory_limit_mb} MB".encode()
    try:
        limit_memory(memory_limit_mb)
        pdf = render_pdf(**request["options"])
        with open(request["target"], "wb") as handle:
            handle.write(pdf)
    except MemoryError:
        return over_limit
    except OSError as error:
        return f"the PDF could not be written ({error.strerror or error})".encode("utf-8", "replace")
    except Exception as error:  # noqa: BLE001 - the reason goes to the caller, which decides
        try:
            return f"{type(error).__name__}: {' '.join(str(error).split())}".encode("utf-8", "replace")
        except MemoryError:
            return over_limit
    return None


def warm_up(render_pdf) -> None:
    """One small render with everything our documents use (headings, a table, the marking and
    the pack's stylesheet), so the children forked later find fonts and caches loaded."""
    from vawg_group.core.pdf import PDF_ASSETS_DIR

    render_pdf(
        html=(
            "<html lang='en-GB'><head><title>Warm-up</title></head><body><h1>Warm-up</h1><h2>Part</h2>"
            "<p>Text <strong>bold</strong> <em>italic</em>.</p><ul><li>Item</li></ul>"
            "<table><tr><th>Head</th><td>Cell</td></tr></table></body></html>"
        ),
        title="Warm-up",
        classification="OFFICIAL-SENSITIVE",
        running_header="Warm-up",
        recipient="Warm-up",
        stylesheets=[PDF_ASSETS_DIR / "pack.css"],
    )


@dataclass
class Child:
    request_id: object
    reason_fd: int
    deadline: float
    timed_out: bool = False


class Server:
    """Forks a child per request and reports each one's end; see the module's docstring."""

    def __init__(self, render_pdf):
        self.render_pdf = render_pdf
        self.children: dict[int, Child] = {}
        self.pending = b""
        self.selector = selectors.DefaultSelector()
        # SIGCHLD wakes the select() through this pipe, so a finished child is reported at once.
        self.wake_r, self.wake_w = os.pipe()
        os.set_blocking(self.wake_r, False)
        os.set_blocking(self.wake_w, False)
        signal.set_wakeup_fd(self.wake_w)
        signal.signal(signal.SIGCHLD, lambda *_: None)
        self.selector.register(sys.stdin.fileno(), selectors.EVENT_READ)
        self.selector.register(self.wake_r, selectors.EVENT_READ)

    def run(self) -> int:
        reading = True
        while reading or self.children:
            if not reading:  # the caller has gone: nobody will read these documents
                for pid in self.children:
                    os.kill(pid, signal.SIGKILL)
            for key, _ in self.selector.select(self.next_timeout()):
                if key.fd == self.wake_r:
                    self.drain_wakeups()
                elif not self.read_requests():
                    self.selector.unregister(sys.stdin.fileno())
                    reading = False
            self.kill_overdue()
            self.reap()
        return 0

    def next_timeout(self) -> float | None:
        deadlines = [child.deadline for child in self.children.values() if not child.timed_out]
        if not deadlines:
            return None  # nothing to kill: wait for a request or a child's end
        return max(0.0, min(deadlines) - time.monotonic())

    def drain_wakeups(self) -> None:
        try:
            while os.read(self.wake_r, 4096):
                pass
        except BlockingIOError:
            pass

    def read_requests(self) -> bool:
        data = os.read(sys.stdin.fileno(), 1 << 20)
        if not data:
            return False
        self.pending += data
        *lines, self.pending = self.pending.split(b"\n")
        for line in lines:
            if line.strip():
                self.start(json.loads(line))
        return True

    def start(self, request: dict) -> None:
        reason_r, reason_w = os.pipe()
        pid = os.fork()
        if pid == 0:  # the child: render this one document, say why if it could not, and exit
            code = 1
            try:
                self.become_child(reason_r)
                # Its own deadline too, a little after ours: should this server be killed, the
                # child still ends (SIGALRM's default action) instead of rendering on unwatched.
                signal.signal(signal.SIGALRM, signal.SIG_DFL)
                signal.setitimer(signal.ITIMER_REAL, float(request["time_limit"]) + ORPHAN_GRACE_SECONDS)
                reason = render_one(self.render_pdf, request)
                if reason is not None:
                    os.write(reason_w, reason[:MAX_REASON_BYTES])
                code = 0 if reason is None else 1
            finally:
                os._exit(code)
        os.close(reason_w)
        self.children[pid] = Child(request["id"], reason_r, time.monotonic() + float(request["time_limit"]))

    def become_child(self, reason_r: int) -> None:
        """Let go of everything that belongs to the server: its pipes, its signal handling and
        the other children's reason pipes. Standard output is the server's conversation, and
        what WeasyPrint says on standard error may quote the document, so neither is kept."""
        signal.set_wakeup_fd(-1)
        signal.signal(signal.SIGCHLD, signal.SIG_DFL)
        self.selector.close()
        for fd in (reason_r, self.wake_r, self.wake_w, *(child.reason_fd for child in self.children.values())):
            os.close(fd)
        devnull = os.open(os.devnull, os.O_RDWR)
        for fd in (0, 1, 2):
            os.dup2(devnull, fd)
        os.close(devnull)

    def kill_overdue(self) -> None:
        now = time.monotonic()
        for pid, child in self.children.items():
            if not child.timed_out and child.deadline <= now:
                child.timed_out = True  # killed once; reported as timed out when reaped
                os.kill(pid, signal.SIGKILL)

    def reap(self) -> None:
        while self.children:
            pid, status, usage = os.wait4(-1, os.WNOHANG)
            if pid == 0:
                return
            child = self.children.pop(pid, None)
            if child is None:
                continue
            reason = os.read(child.reason_fd, MAX_REASON_BYTES).decode("utf-8", "replace")
            os.close(child.reason_fd)
            self.report(
                {
                    "id": child.request_id,
                    "returncode": os.waitstatus_to_exitcode(status),
                    "timed_out": child.timed_out,
                    "reason": reason,
                    # What the render cost, which the caller cannot see: this process reaps it.
                    "cpu_seconds": usage.ru_utime + usage.ru_stime,
                    "max_rss_mb": usage.ru_maxrss / 1024,
                }
            )

    @staticmethod
    def report(message: dict) -> None:
        # Unbuffered, so a forked child never inherits half a line to write out again.
        os.write(sys.stdout.fileno(), (json.dumps(message) + "\n").encode("utf-8"))


def main() -> int:
    from vawg_group.core.pdf import render_pdf

    warm_up(render_pdf)
    return Server(render_pdf).run()


if __name__ == "__main__":
    sys.exit(main())
