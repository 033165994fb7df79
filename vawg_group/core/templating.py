"""What every template can use: the service's name, the signed-in user's navigation, filters."""

from __future__ import annotations

from flask import Flask, current_app, request, url_for
from flask_login import current_user

from vawg_group.core import words as code_words
from vawg_group.core.clock import DATE_WORDS, format_london
from vawg_group.core.policy import Permission, permissions_for


def init_app(app: Flask) -> None:
    app.jinja_env.filters["london"] = format_london
    # "8 December 2026" is ``{{ value|long_date }}``: one filter for each of clock.py's ways.
    app.jinja_env.filters.update({words.__name__: words for words in DATE_WORDS})
    # Codes in words (pages never show codes): ``{{ row.action|action_words }}``.
    app.jinja_env.filters.update(
        {f.__name__: f for f in (code_words.action_words, code_words.subject_words, code_words.role_words)}
    )
    app.context_processor(_page_context)


# (endpoint, text, permission, the endpoint prefix that marks the section as current).
# An entry appears once its domain's blueprint is registered and the user may use it.
NAVIGATION = [
    ("home.index", "Home", Permission.VIEW_HOME, "home."),
    ("meetings.index", "Meetings", Permission.VIEW_MEETINGS, "meetings."),
    ("briefings.index", "Briefings", Permission.MANAGE_BRIEFINGS, "briefings."),
    ("packs.index", "Packs", Permission.VIEW_PACKS, "packs."),
    ("emerging.index", "Emerging issues", Permission.VIEW_PACKS, "emerging."),
    ("casework.index", "Casework", Permission.VIEW_CASEWORK, "casework."),
    ("workflow.deliveries", "Deliveries", Permission.MANAGE_DELIVERIES, "workflow."),
    ("people_admin.users", "Users", Permission.MANAGE_PEOPLE, "people_admin.user"),
    ("people_admin.offices", "Offices", Permission.MANAGE_PEOPLE, "people_admin.office"),
    ("audit_views.log", "Audit log", Permission.VIEW_AUDIT, "audit_views."),
]


def navigation_items() -> list[dict]:
    """The service navigation for the signed-in user, with the current section marked."""
    if not current_user.is_authenticated:
        return []
    endpoint = request.endpoint or ""
    allowed = permissions_for(current_user._get_current_object())
    return [
        {"href": url_for(target), "text": text, "active": endpoint.startswith(prefix)}
        for target, text, permission, prefix in NAVIGATION
        if target in current_app.view_functions and permission in allowed
    ]


def _page_context() -> dict:
    return {
        "service_name": current_app.config["SERVICE_NAME"],
        "opcc_address": current_app.config["OPCC_ADDRESS"],
        "navigation_items": navigation_items,
        "demo_mode": current_app.config["DEMO_SIGN_IN"],
    }
