"""Events are recorded in the same transaction as the change they describe."""

from tests.factories import make_office, make_user
from vawg_group.extensions import db
from vawg_group.workflow import registry
from vawg_group.workflow.events import record_event, timeline
from vawg_group.workflow.models import DomainEvent, EventStatus


def test_an_event_commits_with_the_change(app):
    office = make_office()
    actor = make_user()
    office.division = "East"
    record_event("office.changed", subject=office, actor=actor, payload={"office_id": office.id})
    db.session.commit()
    [event] = timeline(office)
    assert event.event_type == "office.changed"
    assert event.actor_id == actor.id
    assert event.status == EventStatus.PENDING
    assert event.payload == {"office_id": office.id}


def test_an_event_rolls_back_with_the_change(app):
    office = make_office(division="South")
    office.division = "East"
    record_event("office.changed", subject=office)
    db.session.rollback()
    assert db.session.query(DomainEvent).count() == 0
    assert db.session.get(type(office), office.id).division == "South"


def test_timeline_is_per_subject_and_in_order(app):
    first, second = make_office(), make_office()
    record_event("a", subject=first)
    record_event("b", subject=second)
    record_event("c", subject=first)
    db.session.commit()
    assert [e.event_type for e in timeline(first)] == ["a", "c"]


def test_registering_a_handler_twice_keeps_one():
    def fan_out(event):
        return []

    registry.handler("test.registry_once", name="tests.fan_out")(fan_out)
    registry.handler("test.registry_once", name="tests.fan_out")(fan_out)
    assert [name for name, _ in registry.handlers_for("test.registry_once")] == ["tests.fan_out"]
