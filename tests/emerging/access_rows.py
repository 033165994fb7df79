"""Emerging issues in the access grid (tests/access_grid.py): everyone reads published notes;
OPCC staff prepare, publish and withdraw them and act on casework signals; members and
assistants answer them (staff do not: 404). A note not yet published (core/policy.py's
``can_see_emerging_note``) does not exist for members and assistants."""

from datetime import date

from tests.access_grid import EVERYONE, OFFICE, OPCC, Route
from tests.emerging.factories import make_note_briefing, ready_note
from vawg_group.emerging import notes
from vawg_group.emerging.models import EmergingSignal
from vawg_group.extensions import db
from vawg_group.packs import rendering as pack_rendering


def _ready(world, office):
    staff = world.users["opcc_staff"]
    note = ready_note(make_note_briefing(author=staff, approver=world.users["opcc_admin"]), by=staff)
    pack_rendering.cache_dir()
    pack_rendering.cached_path(note.input_hash).write_bytes(b"%PDF-1.7\n% grid test\n%%EOF\n")
    return note


def _draft(world, office):
    return {"note_id": _ready(world, office).id}


def _published(world, office):
    note = _ready(world, office)
    notes.publish(note, by=world.users["opcc_staff"])
    db.session.commit()
    return {"note_id": note.id}


def _briefing(world, office):
    return {"briefing_id": make_note_briefing(author=world.users["opcc_staff"], approver=world.users["opcc_admin"]).id}


def _answer(world, office):
    return {**_published(world, office), "kind": "agenda"}


def _signal(world, office):
    signal = EmergingSignal(
        theme="spiking",
        window_start=date(2026, 11, 1),
        window_end=date(2026, 11, 28),
        recent_count=9,
        baseline_mean=1.5,
        baseline_windows=13,
        office_count=3,
        p_value=0.0001,
        dismissal_reason="",
    )
    db.session.add(signal)
    db.session.commit()
    return {"signal_id": signal.id}


def _reason(world, office):
    return {"withdrawal_reason": "The figures were corrected", "dismissal_reason": "A known campaign"}


ACCESS_ROWS = [
    Route("emerging.index", EVERYONE),
    Route("emerging.show", EVERYONE, kwargs=_published),
    Route("emerging.download", EVERYONE, kwargs=_published),
    Route("emerging.prepare", OPCC, kwargs=_briefing, method="POST", expect=302),
    Route("emerging.publish", OPCC, kwargs=_draft, method="POST", expect=302),
    Route("emerging.withdraw", OPCC, kwargs=_published),
    Route("emerging.withdraw", OPCC, kwargs=_published, method="POST", form=_reason, expect=302),
    Route("emerging.answer", EVERYONE, kwargs=_answer, method="POST", expect=302, hidden_from=OPCC),
    Route("emerging.write_from_signal", OPCC, kwargs=_signal, method="POST", expect=302),
    Route("emerging.dismiss_signal", OPCC, kwargs=_signal),
    Route("emerging.dismiss_signal", OPCC, kwargs=_signal, method="POST", form=_reason, expect=302),
    # Object rules: a note not yet published is the secretariat's working paper.
    Route("emerging.show", EVERYONE, kwargs=_draft, state="draft", hidden_from=OFFICE),
    Route("emerging.download", EVERYONE, kwargs=_draft, state="draft", hidden_from=OFFICE),
]
