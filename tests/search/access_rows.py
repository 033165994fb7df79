"""Search's route in the access grid (tests/access_grid.py).

Everyone signed in may search; what they find is narrowed per result. The listing proves it
for casework: office people find their own office's case by its reference, never another's;
OPCC staff find both.
"""

from __future__ import annotations

from tests.access_grid import EVERYONE, Route
from tests.casework.factories import make_case


def _case_found_by_search(world, office):
    return make_case(office=office, reference=f"GRIDSEARCH-{office.id}-CASE").reference


ACCESS_ROWS = [
    Route("search.results", EVERYONE, kwargs=lambda world, office: {"q": "gridsearch"}, listing=_case_found_by_search),
]
