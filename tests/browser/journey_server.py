"""A fresh service for the role journeys: a migrated SQLite file with only a few fictional
people in it (no demo data: the journeys create what they use through the pages), served by
werkzeug on 127.0.0.1, sending its mail to a real SMTP server on loopback (aiosmtpd), with the
real worker run in the test when the story needs mail sent or a PDF rendered.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from email.message import EmailMessage

from flask import Flask
from werkzeug.serving import make_server

from tests.workflow.mailserver import MailServer

# Everyone in the journeys: invented names, example.org addresses.
STAFF = ("Elin Marsh", "elin.marsh@opcc.example.org")
APPROVER = ("Jonah Pike", "jonah.pike@opcc.example.org")
MEMBER = ("Greta Holm", "greta.holm@parliament.example.org")
ASSISTANT = ("Milo Vance", "milo.vance@parliament.example.org")
OTHER_ASSISTANT = ("Rosa Penhale", "rosa.penhale@parliament.example.org")
OTHER_MEMBER = ("Idris Calder", "idris.calder@parliament.example.org")
OFFICE = "Blackburn"
OTHER_OFFICE = "Preston"


@dataclass
class JourneyServer:
    url: str
    app: Flask
    mail: MailServer
    ids: dict[str, int] = field(default_factory=dict)
    # The worker runs only when a test calls run_worker: pages show work still waiting.
    worker_runs_alongside = False

    def run_worker(self) -> dict:
        """The real worker until it has nothing left: due events, mail, pack and agenda renders.

        A handler may record events of its own (the meeting cycle plans a new meeting and says
        so), which the next pass handles, as the running worker would a second later."""
        from sqlalchemy import select

        from vawg_group.extensions import db
        from vawg_group.workflow.models import Delivery, DeliveryStatus, DomainEvent, EventStatus
        from vawg_group.workflow.worker import Worker

        worker = Worker(self.app, worker_id="browser-journey-worker")
        for _ in range(5):
            done = worker.run_once()
            with self.app.app_context():
                # Nothing left over and nothing failed: otherwise the story would go on without it.
                stuck = [
                    f"event {e.event_type}: {e.status} {e.last_error}"
                    for e in db.session.scalars(select(DomainEvent).where(DomainEvent.status != EventStatus.DONE))
                ] + [
                    f"delivery {d.message} to {d.channel}: {d.status} {d.last_error}"
                    for d in db.session.scalars(select(Delivery).where(Delivery.status != DeliveryStatus.SENT))
                ]
                db.session.remove()
            if not stuck:
                break
        assert stuck == [], "the worker left work undone:\n" + "\n".join(stuck)
        return done

    def mail_to(self, address: str) -> list[EmailMessage]:
        return [item.message for item in self.mail.received if address.lower() in [r.lower() for r in item.rcpt_tos]]


def seed_people(app: Flask) -> dict[str, int]:
    """The journeys' fictional people and their two offices; returns their ids by key."""
    from tests.factories import make_office, make_user
    from vawg_group.core.roles import Role
    from vawg_group.extensions import db

    ids = {}
    with app.app_context():
        office, other_office = (
            make_office(constituency=OFFICE, division="East"),
            make_office(constituency=OTHER_OFFICE, division="West"),
        )
        for key, (name, email), role, in_office in (
            ("staff", STAFF, Role.OPCC_STAFF, None),
            ("approver", APPROVER, Role.OPCC_STAFF, None),
            ("member", MEMBER, Role.MEMBER, office),
            ("assistant", ASSISTANT, Role.ASSISTANT, office),
            ("other_assistant", OTHER_ASSISTANT, Role.ASSISTANT, other_office),
            ("other_member", OTHER_MEMBER, Role.MEMBER, other_office),
        ):
            ids[key] = make_user(role=role, office=in_office, email=email, display_name=name).id
        ids["office"], ids["other_office"] = office.id, other_office.id
        db.session.commit()
        db.session.remove()
    return ids


def start_journey_server(tmp_path) -> tuple[JourneyServer, Callable[[], None]]:
    """Start the service and its mail server; returns it and a function that stops both."""
    from tests.browser.conftest import QuietRequestHandler
    from vawg_group import create_app
    from vawg_group.core import migrate
    from vawg_group.extensions import db

    mail = MailServer().start()
    database = tmp_path / "journeys.sqlite"
    url = f"sqlite:///{database}"
    migrate.upgrade(url)
    app = create_app(
        "test",
        SQLALCHEMY_DATABASE_URI=url,
        DATABASE_URL=url,
        STORAGE_DIR=str(tmp_path / "storage"),
        DEVMAIL_DIR=str(tmp_path / "mail"),
        SMTP_HOST="127.0.0.1",
        SMTP_PORT=mail.port,
        SMTP_SECURITY="none",
        SMTP_TIMEOUT=10,
        MEETINGS_WINDOW_MONTHS=2,
    )
    ids = seed_people(app)

    server = make_server("127.0.0.1", 0, app, threaded=True, request_handler=QuietRequestHandler)
    base_url = f"http://127.0.0.1:{server.server_port}"
    # Links in mail and calendar files point at this server, as they would at the real one.
    app.config["PUBLIC_BASE_URL"] = base_url
    thread = threading.Thread(target=server.serve_forever, name="journey-server", daemon=True)
    thread.start()

    def stop() -> None:
        server.shutdown()
        thread.join(timeout=10)
        mail.stop()
        with app.app_context():
            db.engine.dispose()

    return JourneyServer(url=base_url, app=app, mail=mail, ids=ids), stop
