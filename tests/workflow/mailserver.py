"""A real SMTP server on loopback (aiosmtpd) that records what arrives and can be told to
answer some recipients with an error (e.g. 451, 550) or to take its time."""

from __future__ import annotations

import asyncio
import socket
import threading
import time
from collections import defaultdict, deque
from dataclasses import dataclass
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser

from aiosmtpd.controller import Controller


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@dataclass
class Received:
    rcpt_tos: list[str]
    raw: bytes

    @property
    def message(self) -> EmailMessage:
        # Parsed when a test looks, not in the server's thread: the server stays quick.
        return BytesParser(policy=policy.default).parsebytes(self.raw)


class RecordingHandler:
    def __init__(self) -> None:
        self.received: list[Received] = []
        self.replies: dict[str, deque[str]] = defaultdict(deque)
        self.always: dict[str, str] = {}
        self.delay = 0.0
        self.started_data = 0
        self._lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope):
        with self._lock:
            self.started_data += 1
        if self.delay:
            await asyncio.sleep(self.delay)
        with self._lock:
            for rcpt in envelope.rcpt_tos:
                if self.replies[rcpt]:
                    return self.replies[rcpt].popleft()
                if rcpt in self.always:
                    return self.always[rcpt]
            self.received.append(Received(list(envelope.rcpt_tos), envelope.original_content))
        return "250 2.0.0 Message accepted"


class MailServer:
    def __init__(self) -> None:
        self.handler = RecordingHandler()
        self.port = free_port()
        self.controller = Controller(self.handler, hostname="127.0.0.1", port=self.port)

    def start(self) -> MailServer:
        self.controller.start()
        return self

    def stop(self) -> None:
        self.controller.stop()

    @property
    def received(self) -> list[Received]:
        with self.handler._lock:
            return list(self.handler.received)

    def by_recipient(self) -> dict[str, list[Received]]:
        result: dict[str, list[Received]] = defaultdict(list)
        for item in self.received:
            for rcpt in item.rcpt_tos:
                result[rcpt].append(item)
        return result

    def answer(self, recipient: str, *replies: str) -> None:
        """The next len(replies) messages to ``recipient`` get these replies, in order."""
        with self.handler._lock:
            self.handler.replies[recipient].extend(replies)

    def always_answer(self, recipient: str, reply: str | None) -> None:
        with self.handler._lock:
            if reply is None:
                self.handler.always.pop(recipient, None)
            else:
                self.handler.always[recipient] = reply

    def wait_for(self, count: int, timeout: float = 30) -> list[Received]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if len(self.received) >= count:
                return self.received
            time.sleep(0.02)
        raise AssertionError(f"expected {count} messages, {len(self.received)} arrived")
