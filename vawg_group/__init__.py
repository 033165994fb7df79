"""The Lancashire MPs' VAWG Group web service."""

from __future__ import annotations

import importlib
import logging
from pathlib import Path

from flask import Flask
from jinja2 import ChoiceLoader, FileSystemLoader, PackageLoader, PrefixLoader
from werkzeug.middleware.proxy_fix import ProxyFix

from config import PROJECT_ROOT, load_config

PACKAGE_DIR = Path(__file__).resolve().parent


def create_app(config_name: str | None = None, **overrides) -> Flask:
    """Build the app for ``config_name`` (or VAWG_ENV); ``overrides`` win over everything (tests)."""
    settings = load_config(config_name)
    app = Flask(
        __name__,
        static_folder=str(PACKAGE_DIR / "static"),
        template_folder=str(PROJECT_ROOT / "templates"),
    )
    app.config.from_mapping(settings.as_flask_config())
    app.config.update(overrides)

    if app.config["TRUSTED_PROXY_HOPS"]:
        hops = app.config["TRUSTED_PROXY_HOPS"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)
    _configure_logging(app)
    _configure_templates(app)
    _init_extensions(app)

    # Order matters: the request plumbing wraps everything the blueprints do.
    from vawg_group.core import errors, web

    web.init_app(app)
    errors.init_app(app)
    _init_operations(app)
    _register_blueprints(app)
    _connect_domains(app)
    _register_cli(app)
    return app


def _configure_logging(app: Flask) -> None:
    logging.basicConfig(
        level=app.config["LOG_LEVEL"],
        format="%(asctime)s %(levelname)s %(name)s %(message)s",
    )
    # WeasyPrint narrates each step of every render (and of its own import) at INFO: many
    # lines per pack that say nothing an operator needs. Its warnings still come through.
    logging.getLogger("weasyprint.progress").setLevel(logging.WARNING)


def _init_operations(app: Flask) -> None:
    from vawg_group.ops import hooks

    hooks.init_app(app)


def _configure_templates(app: Flask) -> None:
    # Our templates first, then GOV.UK Frontend's macros under their own prefix.
    app.jinja_loader = ChoiceLoader(
        [
            FileSystemLoader(str(PROJECT_ROOT / "templates")),
            PrefixLoader({"govuk_frontend_jinja": PackageLoader("govuk_frontend_jinja")}),
        ]
    )
    app.jinja_env.trim_blocks = True
    app.jinja_env.lstrip_blocks = True

    from vawg_group.core import templating

    templating.init_app(app)


def _init_extensions(app: Flask) -> None:
    import vawg_group.models  # noqa: F401  (every domain's tables in db.metadata, for any command)
    from vawg_group.extensions import csrf, db, limiter, login_manager
    from vawg_group.people import sessions

    db.init_app(app)
    csrf.init_app(app)
    limiter.init_app(app)
    login_manager.init_app(app)
    login_manager.login_view = "people.sign_in"
    login_manager.login_message = None
    # Our server-side sessions already bind the cookie to one sign-in.
    login_manager.session_protection = None
    login_manager.user_loader(sessions.user_for_token)


# One line per blueprint; each domain adds its own.
BLUEPRINTS = (
    "vawg_group.core.health",
    "vawg_group.core.pages",
    "vawg_group.people.views",
    "vawg_group.people.admin_views",
    "vawg_group.people.audit_views",
    "vawg_group.home.views",
    "vawg_group.workflow.views",
    "vawg_group.casework.views",
    "vawg_group.briefings.views",
    "vawg_group.packs.views",
    "vawg_group.meetings.views",
    "vawg_group.cycle.views",
    "vawg_group.search.views",
    "vawg_group.emerging.views",
)


def _register_blueprints(app: Flask) -> None:
    for module_name in BLUEPRINTS:
        app.register_blueprint(importlib.import_module(module_name).blueprint)


def _connect_domains(app: Flask) -> None:
    """Hand a lower layer what it uses from a higher one, which it may not import (the layers
    are the import-linter contract in pyproject.toml; docs/architecture.md draws them)."""
    from vawg_group.casework.erasure import provide_pack_withdrawal
    from vawg_group.casework.stats import pack_summary
    from vawg_group.core.health import add_readiness_check
    from vawg_group.emerging.section import pack_section as emerging_section
    from vawg_group.packs.rendering import provide_casework_section, provide_emerging_section
    from vawg_group.packs.withdrawal import withdraw_summaries
    from vawg_group.search.freshness import watch as keep_search_index_current
    from vawg_group.workflow.status import event_backlog_check, worker_check

    # /readyz reports the worker's heartbeat as well as the database, and events left waiting.
    add_readiness_check(app, "worker", worker_check)
    add_readiness_check(app, "events", event_backlog_check)
    # A briefing pack prints the casework section (anonymised counts and summaries).
    provide_casework_section(app, pack_summary)
    # ...and "Emerging issues since the last meeting" (the notes published since).
    provide_emerging_section(app, emerging_section)
    # Erasing a case takes its anonymised summaries out of the pack versions that printed them.
    provide_pack_withdrawal(app, withdraw_summaries)
    # The search index follows every change to what it indexes, in the same transaction.
    keep_search_index_current()


def _register_cli(app: Flask) -> None:
    from vawg_group.core import cli as core_cli
    from vawg_group.demo import cli as demo_cli
    from vawg_group.ops import cli as ops_cli
    from vawg_group.people import cli as people_cli
    from vawg_group.search import cli as search_cli

    core_cli.register(app)
    demo_cli.register(app)
    ops_cli.register(app)
    people_cli.register(app)
    search_cli.register(app)
