"""A database that really goes away and comes back, for the tests of #21's outage faults.

- PostgreSQL: the app connects through a TCP relay on loopback to the real server. ``down()``
  closes the relay's listening socket and every connection through it (the app's pooled
  connections die as they would when the server or the network goes); new connections are
  refused until ``up()`` listens again on the same port.
- SQLite: the app opens the database through a symbolic link to its folder. ``down()`` removes
  the link, so opening the file fails ("unable to open database file"); ``up()`` puts it back.
  An app on it uses ``ENGINE_OPTIONS`` (a new connection for each use), or its pooled
  connection would keep the file open.
"""

from __future__ import annotations

import os
import socket
import threading
from pathlib import Path

from sqlalchemy.engine import make_url
from sqlalchemy.pool import NullPool


class DatabaseOutage:
    def __init__(self, database_url: str, folder: Path) -> None:
        self._url = make_url(database_url)
        self.sqlite = self._url.get_backend_name() == "sqlite"
        if self.sqlite:
            real = Path(self._url.database).resolve()
            self._target = real.parent
            self._link = folder / "database-link"
            self.url = self._url.set(database=str(self._link / real.name)).render_as_string(hide_password=False)
        else:
            self._server = (self._url.host or "127.0.0.1", self._url.port or 5432)
            self._relay = _Relay(self._server)
            self.url = self._url.set(host="127.0.0.1", port=self._relay.port).render_as_string(hide_password=False)
        self.engine_options = {"poolclass": NullPool} if self.sqlite else {"pool_pre_ping": True}
        self.is_up = False

    def up(self) -> None:
        if self.sqlite:
            os.symlink(self._target, self._link)
        else:
            self._relay.listen()
        self.is_up = True

    def down(self) -> None:
        if self.sqlite:
            os.unlink(self._link)
        else:
            self._relay.close()
        self.is_up = False

    def close(self) -> None:
        if self.is_up:
            self.down()


class _Relay:
    """Forwards loopback connections on ``port`` to ``server`` while listening."""

    def __init__(self, server: tuple[str, int]) -> None:
        self.server = server
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        self._listener: socket.socket | None = None
        self._sockets: set[socket.socket] = set()
        self._lock = threading.Lock()

    def listen(self) -> None:
        listener = socket.socket()
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", self.port))
        listener.listen(32)
        self._listener = listener
        threading.Thread(target=self._accept, args=(listener,), daemon=True).start()

    def _accept(self, listener: socket.socket) -> None:
        while True:
            try:
                client, _ = listener.accept()
            except OSError:
                return  # closed: the outage began
            try:
                upstream = socket.create_connection(self.server)
            except OSError:
                client.close()
                continue
            with self._lock:
                self._sockets.update((client, upstream))
            for source, target in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pipe, args=(source, target), daemon=True).start()

    def _pipe(self, source: socket.socket, target: socket.socket) -> None:
        try:
            while data := source.recv(65536):
                target.sendall(data)
        except OSError:
            pass
        finally:
            for end in (source, target):
                try:
                    end.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass

    def close(self) -> None:
        if self._listener is not None:
            try:
                self._listener.shutdown(socket.SHUT_RDWR)  # wakes the thread waiting in accept()
            except OSError:
                pass
            self._listener.close()
            self._listener = None
        with self._lock:
            sockets, self._sockets = self._sockets, set()
        for end in sockets:
            try:
                end.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            end.close()
