"""``flask seed-demo``: fictional data for every domain, safe to run again (adds nothing twice)."""

from __future__ import annotations

from vawg_group.demo.briefings import seed_briefings
from vawg_group.demo.casework import seed_casework, seed_cycle_casework
from vawg_group.demo.cycle import seed_cycle
from vawg_group.demo.emerging import seed_emerging
from vawg_group.demo.meetings import seed_meetings
from vawg_group.demo.packs import seed_packs
from vawg_group.demo.people import seed_people

# Each domain's seeding step, in dependency order; each returns the number of rows it added.
SEED_STEPS = [
    ("offices and people", seed_people),
    ("casework", seed_casework),
    ("briefings", seed_briefings),
    ("meetings", seed_meetings),
    ("emerging issues", seed_emerging),
    ("packs", seed_packs),
    ("meeting cycle", seed_cycle),
    ("casework meetings and late casework", seed_cycle_casework),
]


def seed_demo() -> dict[str, int]:
    return {name: step() for name, step in SEED_STEPS}
