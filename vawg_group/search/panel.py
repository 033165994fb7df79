"""The results page's filter panel, rendered once for each set of values it shows.

GOV.UK's macros (two selects, two date inputs, radios, a details component) took longer to
render than a search took to run, on every results page. What the panel shows depends only
on the values passed here (the kinds this person may look for, and what the request asked),
so each app keeps the HTML for the most recent few hundred sets of values and reuses it.
"""

from __future__ import annotations

from functools import lru_cache, partial

from flask import current_app
from markupsafe import Markup

from vawg_group.search.index import THEME_CHOICES
from vawg_group.search.params import Request

_KEPT = "search.filter_panels"


def filter_panel(asked: Request, kinds: dict[str, str]) -> Markup:
    filters = asked.filters
    values = dict(
        kinds=tuple(kinds.items()),
        kind=filters.kind,
        theme=filters.theme,
        newest_first=filters.newest_first,
        dates=tuple((which, tuple(parts.items())) for which, parts in asked.dates.items()),
        errors=tuple(asked.errors.items()),
        open=bool(filters.kind or filters.theme or filters.date_from or filters.date_to or asked.errors),
    )
    environment = current_app.jinja_env
    if environment.auto_reload:  # templates being edited (debug): show each edit at once
        return _render(environment, **values)
    kept = current_app.extensions.get(_KEPT)
    if kept is None:
        kept = current_app.extensions[_KEPT] = lru_cache(maxsize=256)(partial(_render, environment))
    return kept(**values)


def _render(environment, *, kinds, kind, theme, newest_first, dates, errors, open) -> Markup:
    return Markup(
        environment.get_template("search/filters.html").render(
            kinds=kinds,
            themes=THEME_CHOICES,
            kind=kind,
            theme=theme,
            newest_first=newest_first,
            dates={which: dict(parts) for which, parts in dates},
            errors=dict(errors),
            open=open,
        )
    )
