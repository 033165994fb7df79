"""The roles people hold, and which of them belong to an MP's office."""

from enum import StrEnum


class Role(StrEnum):
    OPCC_ADMIN = "opcc_admin"
    OPCC_STAFF = "opcc_staff"
    MEMBER = "member"
    ASSISTANT = "assistant"

    @property
    def label(self) -> str:
        return ROLE_LABELS[self]

    @property
    def needs_office(self) -> bool:
        return self in OFFICE_ROLES

    @property
    def is_opcc(self) -> bool:
        return self in OPCC_ROLES


ROLE_LABELS = {
    Role.OPCC_ADMIN: "OPCC administrator",
    Role.OPCC_STAFF: "OPCC staff",
    Role.MEMBER: "Member (MP)",
    Role.ASSISTANT: "MP's assistant",
}
OFFICE_ROLES = frozenset({Role.MEMBER, Role.ASSISTANT})
OPCC_ROLES = frozenset({Role.OPCC_ADMIN, Role.OPCC_STAFF})
