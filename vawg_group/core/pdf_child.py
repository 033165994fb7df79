"""The renderer's child process: ``python -m vawg_group.core.pdf_child``.

Imports the renderer first (a spare child does this ahead of need, see
``core/pdf_process.py``), then reads one JSON request on standard input (``options`` for ``render_pdf``, the ``target``
file, a ``memory_limit_mb``), caps its own address space, renders, writes the PDF and exits
0. On failure it prints one line, ``render failed: <reason>``, on standard error and exits 1:
the parent (``core/pdf_process.py``) turns that line into the reason staff see.
"""

from __future__ import annotations

import json
import resource
import sys


def limit_memory(megabytes: int | None) -> None:
    if not megabytes:
        return
    ceiling = megabytes * 1024 * 1024
    _soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    if hard != resource.RLIM_INFINITY:
        ceiling = min(ceiling, hard)
    resource.setrlimit(resource.RLIMIT_AS, (ceiling, hard))


def main() -> int:
    # Imported before the request is read: a spare child does this while it waits.
    from vawg_group.core.pdf import render_pdf

    request = sys.stdin.buffer.read()
    if not request:
        return 0  # a spare that was never used: its parent is gone
    request = json.loads(request)
    memory_limit_mb = request.get("memory_limit_mb")
    try:
        limit_memory(memory_limit_mb)
        pdf = render_pdf(**request["options"])
        with open(request["target"], "wb") as handle:
            handle.write(pdf)
    except MemoryError:
        print(f"render failed: the document needed more than the memory limit of {memory_limit_mb} MB", file=sys.stderr)
        return 1
    except OSError as error:
        print(f"render failed: the PDF could not be written ({error.strerror or error})", file=sys.stderr)
        return 1
    except Exception as error:  # noqa: BLE001 - the reason goes to the parent, which decides
        reason = " ".join(str(error).split())
        print(f"render failed: {type(error).__name__}: {reason}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
