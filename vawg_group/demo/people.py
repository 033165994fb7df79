"""Demo offices and people. Every name is invented; constituency names are real (DOMAIN.md)."""

from __future__ import annotations

import re

from sqlalchemy import select

from vawg_group.core.roles import Role
from vawg_group.extensions import db
from vawg_group.people import services
from vawg_group.people.models import Office
from vawg_group.people.offices import LANCASHIRE_OFFICES

# (MP, assistant) per office, in LANCASHIRE_OFFICES order. Invented names.
FICTIONAL_OFFICE_PEOPLE = (
    ("Harriet Quill", "Tom Ashdown"),
    ("Tobias Wren", "Nia Calloway"),
    ("Imogen Thistle", "Rory Brindle"),
    ("Rupert Finch", "Esme Larch"),
    ("Clara Pennington", "Sol Mabry"),
    ("Oswin Hale", "Ivy Treloar"),
    ("Maud Ashcombe", "Kit Ferrars"),
    ("Felix Ormerod", "Lottie Granger"),
    ("Dorothea Vane", "Abe Whitlock"),
    ("Ambrose Kettle", "Priya Dunmore"),
    ("Philippa Moss", "Cal Everdene"),
    ("Cedric Larkspur", "Hana Pilbeam"),
    ("Winifred Stroud", "Jude Marlowe"),
    ("Jasper Quayle", "Noor Westerby"),
    ("Beatrix Holloway", "Finn Catterall"),
)

FICTIONAL_OPCC_STAFF = (
    ("Morgan Aldous", Role.OPCC_ADMIN),
    ("Sam Reddington", Role.OPCC_STAFF),
    ("Robin Featherstone", Role.OPCC_STAFF),
)

DEMO_MAIL_DOMAIN_PARLIAMENT = "parliament.example"
DEMO_MAIL_DOMAIN_OPCC = "opcc.example"


def demo_email(name: str, domain: str) -> str:
    return re.sub(r"[^a-z.]", "", name.lower().replace(" ", ".")) + "@" + domain


def seed_people() -> int:
    """Create the offices and people that are missing; returns how many rows it added."""
    added = 0
    for (constituency, division), (mp, assistant) in zip(LANCASHIRE_OFFICES, FICTIONAL_OFFICE_PEOPLE, strict=True):
        office = db.session.scalar(select(Office).where(Office.constituency == constituency))
        if office is None:
            office = services.create_office(constituency=constituency, division=division, by=None)
            added += 1
        for name, role in ((mp, Role.MEMBER), (assistant, Role.ASSISTANT)):
            email = demo_email(name, DEMO_MAIL_DOMAIN_PARLIAMENT)
            if services.find_user_by_email(email) is None:
                services.register_user(email=email, display_name=name, role=role, office_id=office.id, by=None)
                added += 1
    for name, role in FICTIONAL_OPCC_STAFF:
        email = demo_email(name, DEMO_MAIL_DOMAIN_OPCC)
        if services.find_user_by_email(email) is None:
            services.register_user(email=email, display_name=name, role=role, office_id=None, by=None)
            added += 1
    return added
