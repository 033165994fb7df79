"""The results page (``/search``), which the search box in every signed-in page's header
submits to. Everyone signed in may search; what each person finds is narrowed per result."""

from __future__ import annotations

from flask import Blueprint, render_template, request
from flask_login import current_user

from vawg_group.core.policy import Permission, requires
from vawg_group.search import params, service
from vawg_group.search.index import Kind
from vawg_group.search.panel import filter_panel

blueprint = Blueprint("search", __name__)


@blueprint.get("/search")
@requires(Permission.VIEW_HOME)
def results():
    asked = params.read(request.args)
    user = current_user._get_current_object()  # the rules ask it dozens of times: not through the proxy
    outcome = None
    if not asked.errors:
        outcome = service.search(user, asked.text, asked.filters, asked.page)
    kinds = {k: v for k, v in Kind.LABELS.items() if k != Kind.CASE or user.is_opcc or user.office_id}
    return render_template(
        "search/results.html",
        title="Search",
        asked=asked,
        outcome=outcome,
        filter_panel=filter_panel(asked, kinds),
        page_args=_page_args(asked),
    )


def _page_args(asked: params.Request) -> dict:
    """The query string's other values, for the pagination links."""
    keep = {key: value for key, value in request.args.items() if key != "page" and value}
    return keep
