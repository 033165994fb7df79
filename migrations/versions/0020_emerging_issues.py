"""emerging issues: a briefing's marker, notes published between meetings, their stamped
copies, reads, members' answers, and the signals from casework

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-03 19:40:00.000000
"""

import sqlalchemy as sa
from alembic import op

revision = "0020"
down_revision = "0019"
branch_labels = None
depends_on = None

UTC_DT = sa.DateTime(timezone=True)


def upgrade() -> None:
    # A plain ADD COLUMN: no rebuild of briefing, which packs refer to.
    op.add_column("briefing", sa.Column("emerging_issue", sa.Boolean(), server_default=sa.text("false"), nullable=False))
    op.create_table(
        "emerging_signal",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("theme", sa.String(40), nullable=False),
        sa.Column("window_start", sa.Date(), nullable=False),
        sa.Column("window_end", sa.Date(), nullable=False),
        sa.Column("recent_count", sa.Integer(), nullable=False),
        sa.Column("baseline_mean", sa.Float(), nullable=False),
        sa.Column("baseline_windows", sa.Integer(), nullable=False),
        sa.Column("office_count", sa.Integer(), nullable=False),
        sa.Column("p_value", sa.Float(), nullable=False),
        sa.Column("status", sa.String(10), nullable=False),
        sa.Column("raised_dt", UTC_DT, nullable=False),
        sa.Column("dealt_by_id", sa.Integer(), nullable=True),
        sa.Column("dealt_dt", UTC_DT, nullable=True),
        sa.Column("dismissal_reason", sa.Text(), nullable=False),
        sa.Column("briefing_id", sa.Integer(), nullable=True),
        sa.CheckConstraint("status IN ('open', 'acted', 'dismissed')", name=op.f("ck_emerging_signal_status_known")),
        sa.ForeignKeyConstraint(["briefing_id"], ["briefing.id"], name=op.f("fk_emerging_signal_briefing_id_briefing")),
        sa.ForeignKeyConstraint(["dealt_by_id"], ["user_account.id"], name=op.f("fk_emerging_signal_dealt_by_id_user_account")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_emerging_signal")),
    )
    op.create_index(op.f("ix_emerging_signal_theme"), "emerging_signal", ["theme"])
    op.create_table(
        "emerging_note",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("briefing_id", sa.Integer(), nullable=False),
        sa.Column("classification", sa.String(20), nullable=False),
        sa.Column("html", sa.Text(), nullable=False),
        sa.Column("input_hash", sa.String(64), nullable=False),
        sa.Column("briefing_version", sa.String(40), nullable=False),
        sa.Column("render_status", sa.String(10), nullable=False),
        sa.Column("render_error", sa.String(500), nullable=True),
        sa.Column("render_started_dt", UTC_DT, nullable=True),
        sa.Column("rendered_dt", UTC_DT, nullable=True),
        sa.Column("page_count", sa.Integer(), nullable=True),
        sa.Column("prepared_by_id", sa.Integer(), nullable=False),
        sa.Column("prepared_dt", UTC_DT, nullable=False),
        sa.Column("published_by_id", sa.Integer(), nullable=True),
        sa.Column("published_dt", UTC_DT, nullable=True),
        sa.Column("withdrawn_by_id", sa.Integer(), nullable=True),
        sa.Column("withdrawn_dt", UTC_DT, nullable=True),
        sa.Column("withdrawal_reason", sa.Text(), nullable=False),
        sa.Column("signal_id", sa.Integer(), nullable=True),
        sa.CheckConstraint(
            "classification IN ('OFFICIAL', 'OFFICIAL-SENSITIVE')", name=op.f("ck_emerging_note_classification_known")
        ),
        sa.CheckConstraint(
            "render_status IN ('queued', 'rendering', 'ready', 'failed')", name=op.f("ck_emerging_note_render_status_known")
        ),
        sa.ForeignKeyConstraint(["briefing_id"], ["briefing.id"], name=op.f("fk_emerging_note_briefing_id_briefing")),
        sa.ForeignKeyConstraint(
            ["prepared_by_id"], ["user_account.id"], name=op.f("fk_emerging_note_prepared_by_id_user_account")
        ),
        sa.ForeignKeyConstraint(
            ["published_by_id"], ["user_account.id"], name=op.f("fk_emerging_note_published_by_id_user_account")
        ),
        sa.ForeignKeyConstraint(
            ["withdrawn_by_id"], ["user_account.id"], name=op.f("fk_emerging_note_withdrawn_by_id_user_account")
        ),
        sa.ForeignKeyConstraint(["signal_id"], ["emerging_signal.id"], name=op.f("fk_emerging_note_signal_id_emerging_signal")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_emerging_note")),
        sa.UniqueConstraint("briefing_id", name=op.f("uq_emerging_note_briefing_id")),
    )
    op.create_index(op.f("ix_emerging_note_published_dt"), "emerging_note", ["published_dt"])
    op.create_table(
        "emerging_note_copy",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("note_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("recipient_line", sa.String(300), nullable=False),
        sa.Column("input_hash", sa.String(64), nullable=False),
        sa.Column("render_status", sa.String(10), nullable=False),
        sa.Column("render_error", sa.String(500), nullable=True),
        sa.Column("created_dt", UTC_DT, nullable=False),
        sa.Column("render_started_dt", UTC_DT, nullable=True),
        sa.Column("rendered_dt", UTC_DT, nullable=True),
        sa.CheckConstraint(
            "render_status IN ('queued', 'rendering', 'ready', 'failed')",
            name=op.f("ck_emerging_note_copy_render_status_known"),
        ),
        sa.ForeignKeyConstraint(
            ["note_id"], ["emerging_note.id"], name=op.f("fk_emerging_note_copy_note_id_emerging_note"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(["user_id"], ["user_account.id"], name=op.f("fk_emerging_note_copy_user_id_user_account")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_emerging_note_copy")),
        sa.UniqueConstraint("note_id", "user_id", name="uq_emerging_note_copy_note_user"),
    )
    op.create_index(op.f("ix_emerging_note_copy_note_id"), "emerging_note_copy", ["note_id"])
    op.create_index(op.f("ix_emerging_note_copy_user_id"), "emerging_note_copy", ["user_id"])
    op.create_table(
        "emerging_read",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("note_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("opened_dt", UTC_DT, nullable=False),
        sa.Column("downloaded_dt", UTC_DT, nullable=True),
        sa.ForeignKeyConstraint(
            ["note_id"], ["emerging_note.id"], name=op.f("fk_emerging_read_note_id_emerging_note"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(["user_id"], ["user_account.id"], name=op.f("fk_emerging_read_user_id_user_account")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_emerging_read")),
        sa.UniqueConstraint("note_id", "user_id", name="uq_emerging_read_note_user"),
    )
    op.create_index(op.f("ix_emerging_read_note_id"), "emerging_read", ["note_id"])
    op.create_index(op.f("ix_emerging_read_user_id"), "emerging_read", ["user_id"])
    op.create_table(
        "emerging_answer",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("note_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("office_id", sa.Integer(), nullable=True),
        sa.Column("kind", sa.String(10), nullable=False),
        sa.Column("created_dt", UTC_DT, nullable=False),
        sa.CheckConstraint("kind IN ('casework', 'agenda')", name=op.f("ck_emerging_answer_kind_known")),
        sa.ForeignKeyConstraint(
            ["note_id"], ["emerging_note.id"], name=op.f("fk_emerging_answer_note_id_emerging_note"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(["user_id"], ["user_account.id"], name=op.f("fk_emerging_answer_user_id_user_account")),
        sa.ForeignKeyConstraint(["office_id"], ["office.id"], name=op.f("fk_emerging_answer_office_id_office")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_emerging_answer")),
        sa.UniqueConstraint("note_id", "user_id", "kind", name="uq_emerging_answer_note_user_kind"),
    )
    op.create_index(op.f("ix_emerging_answer_note_id"), "emerging_answer", ["note_id"])


def downgrade() -> None:
    for table in ("emerging_answer", "emerging_read", "emerging_note_copy", "emerging_note", "emerging_signal"):
        op.drop_table(table)
    if op.get_bind().dialect.name == "sqlite":
        op.execute("ALTER TABLE briefing DROP COLUMN emerging_issue")
    else:
        op.drop_column("briefing", "emerging_issue")
