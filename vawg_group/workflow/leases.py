"""Keeping claims alive while they are worked on.

A claim on an event or a delivery lasts VAWG_WORKER_LEASE_SECONDS; after that another worker may
take the row over, as it must when a worker has died. A live worker that is still busy with its
rows (a slow relay, a long batch of handlers) renews them from a thread of its own every third of
the lease, so a chunk being sent is never taken over mid-send, however long the relay takes. The
renewal touches only rows this worker still holds (``dispatch.extend_claims``), so rows already
marked sent or handed back are left alone.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

from flask import Flask

from vawg_group.extensions import db

log = logging.getLogger(__name__)


class LeaseKeeper:
    """``with LeaseKeeper(app, renew, ids):`` calls ``renew(ids)`` every third of the lease until
    the block ends. A renewal that fails is logged and tried again at the next interval (the lease
    rule in config leaves room for one that cannot be written)."""

    def __init__(self, app: Flask, renew: Callable[[list[int]], None], ids: list[int]) -> None:
        self.app = app
        self.renew = renew
        self.ids = list(ids)
        self.interval = max(app.config["WORKER_LEASE_SECONDS"] / 3, 0.05)
        self.renewals = 0
        self._done = threading.Event()
        self._thread = threading.Thread(target=self._run, name="lease-keeper", daemon=True)

    def __enter__(self) -> LeaseKeeper:
        if self.ids:
            self._thread.start()
        return self

    def __exit__(self, *exc_info) -> None:
        self._done.set()
        if self._thread.is_alive():
            self._thread.join()

    def _run(self) -> None:
        while not self._done.wait(self.interval):
            with self.app.app_context():
                try:
                    self.renew(self.ids)
                    self.renewals += 1
                except Exception as error:
                    log.warning("could not renew the claims in hand (%s): trying again", error.__class__.__name__)
                finally:
                    db.session.remove()
