"""A local SMTP catcher for development: every message becomes an .eml file, nothing is relayed.

``python -m vawg_group.workflow.devmail [--port 1025] [--dir instance/mail]``; ``make run``
starts it on 127.0.0.1:1025 next to the web app and the worker. In demo mode OPCC admins read
the caught mail at /admin/mail.
"""

from __future__ import annotations

import argparse
import os
import secrets
import signal
import threading
from datetime import UTC, datetime
from pathlib import Path

from aiosmtpd.controller import Controller

from config import INSTANCE_DIR


class SaveToFolder:
    """aiosmtpd handler: write each message, with the envelope recipients, as an .eml file."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.folder.mkdir(parents=True, exist_ok=True)

    async def handle_DATA(self, server, session, envelope):
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")
        path = self.folder / f"{stamp}-{secrets.token_hex(3)}.eml"
        header = "".join(f"X-Envelope-To: {rcpt}\r\n" for rcpt in envelope.rcpt_tos).encode("ascii", "replace")
        temporary = path.with_suffix(".tmp")
        temporary.write_bytes(header + envelope.original_content)
        os.replace(temporary, path)
        return "250 Message accepted for delivery"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=1025)
    parser.add_argument("--dir", default=os.environ.get("VAWG_DEVMAIL_DIR", str(INSTANCE_DIR / "mail")))
    args = parser.parse_args()
    controller = Controller(SaveToFolder(Path(args.dir)), hostname=args.host, port=args.port)
    controller.start()
    print(f"Development mail catcher on {args.host}:{args.port}, writing to {args.dir}", flush=True)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    stop.wait()
    controller.stop()


if __name__ == "__main__":
    main()
