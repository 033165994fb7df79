"""Every domain's models, imported in one place so the metadata is whole (Alembic, tests)."""

from vawg_group.briefings.models import Briefing, BriefingAttachment, KeyFigure  # noqa: F401
from vawg_group.casework.models import CaseworkItem  # noqa: F401
from vawg_group.core.audit import AuditEvent  # noqa: F401
from vawg_group.core.reissue import ReissueNotice  # noqa: F401
from vawg_group.core.token_refusals import RefusedTokenLookup  # noqa: F401
from vawg_group.cycle.models import CycleStep, MeetingMilestone  # noqa: F401
from vawg_group.emerging.models import (  # noqa: F401
    EmergingAnswer,
    EmergingNote,
    EmergingNoteCopy,
    EmergingSignal,
)
from vawg_group.extensions import db
from vawg_group.meetings.models import (  # noqa: F401
    Action,
    AgendaItem,
    Attendance,
    CalendarFeed,
    Guest,
    LobbyingAsk,
    MeetingSeries,
    Occurrence,
)
from vawg_group.packs.models import Pack, PackCopy, PackItem, PackVersion  # noqa: F401
from vawg_group.people.models import AuthSession, Office, SignInInvite, User  # noqa: F401
from vawg_group.search.models import SearchDocument  # noqa: F401
from vawg_group.workflow.models import Delivery, DomainEvent, ScheduledJob, WorkerHeartbeat  # noqa: F401

metadata = db.metadata
