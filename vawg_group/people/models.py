"""Offices (one MP's constituency office), users, and server-side sign-in sessions."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from vawg_group.core.clock import utcnow
from vawg_group.core.db import UTCDateTime
from vawg_group.core.roles import Role
from vawg_group.extensions import db


class Office(db.Model):
    """One MP's constituency office: the MP plus any number of assistants."""

    __tablename__ = "office"

    id: Mapped[int] = mapped_column(primary_key=True)
    constituency: Mapped[str] = mapped_column(String(120), unique=True)
    # Which Constabulary division polices most of the constituency (West, South or East).
    division: Mapped[str] = mapped_column(String(10))
    is_active: Mapped[bool] = mapped_column(default=True, server_default=text("true"))
    created_dt: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    users: Mapped[list[User]] = relationship(back_populates="office")

    __table_args__ = (CheckConstraint("division IN ('West', 'South', 'East')", name="division_known"),)

    def __repr__(self) -> str:
        return f"<Office {self.id} {self.constituency}>"


class User(db.Model):
    """Someone the OPCC has registered. Never deleted: deactivated, so the audit trail holds."""

    __tablename__ = "user_account"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    display_name: Mapped[str] = mapped_column(String(120))
    role: Mapped[str] = mapped_column(String(20))
    office_id: Mapped[int | None] = mapped_column(ForeignKey("office.id"), index=True)
    is_active: Mapped[bool] = mapped_column(default=True, server_default=text("true"))
    # Entra ID identity, bound at first sign-in: users are keyed on object id + tenant id,
    # never on the email address, which can be reassigned.
    entra_oid: Mapped[str | None] = mapped_column(String(64))
    entra_tid: Mapped[str | None] = mapped_column(String(64))
    created_dt: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    deactivated_dt: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The last deactivation: every calendar feed made and RSVP link signed before it is dead
    # for good, even after reactivation (new ones are made afresh).
    links_revoked_dt: Mapped[datetime | None] = mapped_column(UTCDateTime)

    office: Mapped[Office | None] = relationship(back_populates="users")

    def link_revoked(self, issued_dt: datetime) -> bool:
        """Whether a feed or link issued at ``issued_dt`` died when this person was deactivated."""
        return self.links_revoked_dt is not None and issued_dt <= self.links_revoked_dt

    __table_args__ = (
        CheckConstraint("role IN ('opcc_admin', 'opcc_staff', 'member', 'assistant')", name="role_known"),
        CheckConstraint(
            "(role IN ('member', 'assistant')) = (office_id IS NOT NULL)",
            name="office_matches_role",
        ),
        UniqueConstraint("entra_tid", "entra_oid", name="uq_user_account_entra_identity"),
        # At most one active MP per office.
        Index(
            "uq_user_account_one_member_per_office",
            "office_id",
            unique=True,
            sqlite_where=text("role = 'member' AND is_active"),
            postgresql_where=text("role = 'member' AND is_active"),
        ),
    )

    @property
    def role_enum(self) -> Role:
        return Role(self.role)

    @property
    def is_opcc(self) -> bool:
        return self.role_enum.is_opcc

    # Flask-Login asks these; our sessions live in AuthSession, see people/sessions.py.
    is_authenticated = True
    is_anonymous = False
    # Set by people/sessions.py when the user is loaded from a session; not a column.
    auth_session_id = None

    def get_id(self) -> str | None:
        return self.auth_session_id

    def __repr__(self) -> str:
        return f"<User {self.id} {self.role}>"


class AuthSession(db.Model):
    """A server-side sign-in session; the cookie holds only its random id.

    Renewed at every sign-in, ended at sign-out, and expired after idle and absolute limits,
    so a copied cookie stops working as soon as the session ends.
    """

    __tablename__ = "auth_session"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    created_dt: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_seen_dt: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    ended_dt: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # How it began ("demo" or "entra"), for the audit trail.
    method: Mapped[str] = mapped_column(String(10))

    user: Mapped[User] = relationship()


class SignInInvite(db.Model):
    """A one-time link that binds the Microsoft account that follows it to one registered person.

    The link carries a random token; only its SHA-256 is kept, so a copy of the database cannot
    be turned into working links. Used once (``used_dt``), then never again.
    """

    __tablename__ = "sign_in_invite"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    created_dt: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_dt: Mapped[datetime] = mapped_column(UTCDateTime)
    used_dt: Mapped[datetime | None] = mapped_column(UTCDateTime)

    user: Mapped[User] = relationship(foreign_keys=[user_id])
