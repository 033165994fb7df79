"""Settings per environment.

A settings class per environment holds the defaults; every setting can be overridden by an
environment variable named ``VAWG_<SETTING>`` (for example ``VAWG_DATABASE_URL``). The value
is converted to the type of the default, so ``VAWG_SESSION_IDLE_MINUTES=15`` is an int and
``VAWG_DEMO_SIGN_IN=false`` a bool. Secrets come only from the environment in production.
"""

from __future__ import annotations

import os
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
INSTANCE_DIR = PROJECT_ROOT / "instance"

# The value shipped for development: production refuses to start with it.
DEFAULT_SECRET_KEY = "development-only-secret-key-change-me"
# A development encryption key (32 bytes, base64) so `make run` works with no set-up.
DEVELOPMENT_ENCRYPTION_KEYS = "dev1:ZGV2ZWxvcG1lbnQtb25seS1rZXktMzItYnl0ZXMhIQ=="


class ConfigurationError(RuntimeError):
    """The settings are unsafe or incomplete for the chosen environment."""


class Config:
    """Defaults shared by every environment."""

    ENV_NAME = "base"
    SERVICE_NAME = "Lancashire MPs' VAWG Group"
    OPCC_ADDRESS = "Office of the Police and Crime Commissioner for Lancashire, County Hall, Preston, PR1 0LD"
    SECRET_KEY = DEFAULT_SECRET_KEY
    DEBUG = False
    TESTING = False

    DATABASE_URL = f"sqlite:///{INSTANCE_DIR / 'vawg_group.sqlite'}"
    # Where uploaded attachments and rendered PDFs live: outside the web root.
    STORAGE_DIR = str(INSTANCE_DIR / "storage")
    # The largest request body accepted, in bytes (uploads included).
    MAX_CONTENT_LENGTH = 10 * 1024 * 1024

    # Sign-in
    DEMO_SIGN_IN = False
    SESSION_IDLE_MINUTES = 30
    SESSION_ABSOLUTE_HOURS = 12
    SESSION_COOKIE_SECURE = True
    SIGN_IN_RATE_LIMIT = "10 per minute"
    RATELIMIT_STORAGE_URI = "memory://"
    ENTRA_CLIENT_ID = ""
    ENTRA_CLIENT_SECRET = ""
    # The authority msal talks to; "organizations" accepts work accounts from any tenant, and
    # ENTRA_ALLOWED_TENANTS narrows that to the OPCC's and Parliament's.
    ENTRA_AUTHORITY = "https://login.microsoftonline.com/organizations"
    ENTRA_ALLOWED_TENANTS = ""  # comma-separated tenant ids
    ENTRA_CA_BUNDLE = ""  # a CA file to trust instead of the system store (tests only)
    ENTRA_INSTANCE_DISCOVERY = True

    # Field encryption for casework: "keyid:base64key,keyid2:base64key"; the first is current.
    ENCRYPTION_KEYS = ""

    # Meetings and calendar invites
    # The address links in emails are built on (the worker has no request to take it from).
    PUBLIC_BASE_URL = "http://127.0.0.1:5000"
    # Who the invites come from: ORGANIZER in every .ics, and the mailbox Graph events live in.
    MEETINGS_ORGANISER_EMAIL = "vawg-group@lancashire-opcc.example"
    MEETINGS_ORGANISER_NAME = "OPCC Lancashire VAWG Group"
    # The online meeting link used when Microsoft Graph is not configured.
    MEETINGS_JOIN_URL = ""
    # When invites go out: 0 = as soon as a meeting is scheduled; N = N days before it starts.
    MEETINGS_INVITE_DAYS_AHEAD = 0
    # How far ahead occurrences are kept (months), and how long RSVP links work (days).
    MEETINGS_WINDOW_MONTHS = 12
    MEETINGS_RSVP_MAX_AGE_DAYS = 62

    # Logging
    LOG_LEVEL = "INFO"

    # Whether responses carry HSTS (production behind TLS).
    HSTS = False
    # How many proxies in front of the app set X-Forwarded-For/-Proto (0: trust none). The
    # client address feeds the audit log and the sign-in rate limit, so trust no more than exist.
    TRUSTED_PROXY_HOPS = 0

    def __init__(self) -> None:
        for name in dir(type(self)):
            if not name.isupper():
                continue
            raw = os.environ.get(f"VAWG_{name}")
            if raw is not None:
                setattr(self, name, _coerce(raw, getattr(self, name)))

    def as_flask_config(self) -> dict:
        settings = {name: getattr(self, name) for name in dir(self) if name.isupper()}
        settings["SQLALCHEMY_DATABASE_URI"] = _normalise_database_url(self.DATABASE_URL)
        settings["SQLALCHEMY_ENGINE_OPTIONS"] = {"pool_pre_ping": True}
        settings["SESSION_COOKIE_HTTPONLY"] = True
        settings["SESSION_COOKIE_SAMESITE"] = "Lax"
        settings["SESSION_COOKIE_NAME"] = "vawg_session"
        settings["PERMANENT_SESSION_LIFETIME"] = self.SESSION_ABSOLUTE_HOURS * 3600
        settings["WTF_CSRF_TIME_LIMIT"] = self.SESSION_ABSOLUTE_HOURS * 3600
        settings["RATELIMIT_HEADERS_ENABLED"] = True
        return settings

    def check(self) -> None:
        """Raise ConfigurationError where the settings are unsafe for this environment."""


class DevelopmentConfig(Config):
    ENV_NAME = "development"
    DEBUG = False  # the Werkzeug debugger is never on: it runs code for whoever reaches it
    DEMO_SIGN_IN = True
    SESSION_COOKIE_SECURE = False
    ENCRYPTION_KEYS = DEVELOPMENT_ENCRYPTION_KEYS


class TestConfig(Config):
    ENV_NAME = "test"
    TESTING = True
    DEMO_SIGN_IN = True
    SESSION_COOKIE_SECURE = False
    ENCRYPTION_KEYS = DEVELOPMENT_ENCRYPTION_KEYS
    DATABASE_URL = "sqlite:///" + str(INSTANCE_DIR / "test.sqlite")
    SIGN_IN_RATE_LIMIT = "1000 per minute"


class ProductionConfig(Config):
    ENV_NAME = "production"
    HSTS = True

    def check(self) -> None:
        problems = []
        if self.SECRET_KEY == DEFAULT_SECRET_KEY or len(self.SECRET_KEY) < 32:
            problems.append("VAWG_SECRET_KEY must be set to a random value of at least 32 characters")
        if self.DEMO_SIGN_IN:
            problems.append("VAWG_DEMO_SIGN_IN must be off: demo sign-in lets anyone be anyone")
        if self.DEBUG:
            problems.append("VAWG_DEBUG must be off in production")
        if not self.ENCRYPTION_KEYS or self.ENCRYPTION_KEYS == DEVELOPMENT_ENCRYPTION_KEYS:
            problems.append("VAWG_ENCRYPTION_KEYS must hold the production casework key(s)")
        if not self.SESSION_COOKIE_SECURE:
            problems.append("VAWG_SESSION_COOKIE_SECURE must be on in production")
        if problems:
            raise ConfigurationError(
                "Refusing to start in production:\n  - " + "\n  - ".join(problems)
            )


CONFIGS = {
    "development": DevelopmentConfig,
    "test": TestConfig,
    "production": ProductionConfig,
}


def load_config(name: str | None = None) -> Config:
    """The settings for ``name`` (or ``VAWG_ENV``, default development), checked."""
    name = name or os.environ.get("VAWG_ENV", "development")
    try:
        config_class = CONFIGS[name]
    except KeyError:
        raise ConfigurationError(
            f"Unknown environment {name!r}: choose one of {', '.join(CONFIGS)}"
        ) from None
    config = config_class()
    config.check()
    return config


def _coerce(raw: str, default):
    if isinstance(default, bool):
        lowered = raw.strip().lower()
        if lowered in {"1", "true", "yes", "on"}:
            return True
        if lowered in {"0", "false", "no", "off", ""}:
            return False
        raise ConfigurationError(f"Expected true or false, got {raw!r}")
    if isinstance(default, int):
        try:
            return int(raw)
        except ValueError:
            raise ConfigurationError(f"Expected a whole number, got {raw!r}") from None
    return raw


def _normalise_database_url(url: str) -> str:
    # Production URLs are often written postgresql://...; we use psycopg 3.
    if url.startswith("postgres://"):
        url = "postgresql://" + url[len("postgres://"):]
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://"):]
    return url
