"""Settings per environment.

A settings class per environment holds the defaults; every setting can be overridden by an
environment variable named ``VAWG_<SETTING>`` (for example ``VAWG_DATABASE_URL``). The value
is converted to the type of the default, so ``VAWG_SESSION_IDLE_MINUTES=15`` is an int and
``VAWG_DEMO_SIGN_IN=false`` a bool. Secrets come only from the environment in production.
"""

from __future__ import annotations

import math
import os
from email.utils import parseaddr
from pathlib import Path
from urllib.parse import urlsplit

import click

from config import key_strength

PROJECT_ROOT = Path(__file__).resolve().parent.parent
INSTANCE_DIR = PROJECT_ROOT / "instance"

# The value shipped for development: production refuses to start with it.
DEFAULT_SECRET_KEY = "development-only-secret-key-change-me"
# A development encryption key (32 bytes, base64) so `make run` works with no set-up.
DEVELOPMENT_ENCRYPTION_KEYS = "dev1:ZGV2ZWxvcG1lbnQtb25seS1rZXktMzItYnl0ZXMhISE="
# A development key for the audit log's hash chain (32 bytes, base64); production refuses it.
DEVELOPMENT_AUDIT_CHAIN_KEYS = "dev1:ZGV2ZWxvcG1lbnQtb25seS1hdWRpdC1jaGFpbi1rZXk="


# Exit status of a refusal to start (sysexits.h's EX_CONFIG): a systemd unit can stop
# restarting on it (RestartPreventExitStatus=78) instead of looping.
CONFIGURATION_EXIT_STATUS = 78


# The worker sends claimed deliveries this many at a time and marks them sent together
# (workflow/worker.py); the lease must outlast such a chunk (Config.worker_fit_problems).
DELIVERY_CHUNK = 10
# How many SMTP timeouts one message can take: its commands, then the reply to its data.
SMTP_TIMEOUTS_PER_MESSAGE = 2
# Settings that must be at least 1 (the other whole numbers must not be negative).
_AT_LEAST_ONE = (
    "SMTP_TIMEOUT",
    "SMTP_CONNECTIONS",
    "WORKER_LEASE_SECONDS",
    "WORKER_HEARTBEAT_SECONDS",
    "WORKER_POLL_SECONDS",
    "WORKER_BATCH_SIZE",
    "DELIVERY_MAX_ATTEMPTS",
    "DELIVERY_BACKOFF_SECONDS",
    "DELIVERY_BACKOFF_MAX_SECONDS",
    "SESSION_IDLE_MINUTES",
    "SESSION_ABSOLUTE_HOURS",
    "PDF_TIME_LIMIT_SECONDS",
    "PDF_MEMORY_LIMIT_MB",
    "MAX_CONTENT_LENGTH",
    "GRAPH_TIMEOUT_SECONDS",
    "CASEWORK_RETENTION_MONTHS",
    "MEETINGS_WINDOW_MONTHS",
    "ENTRA_INVITE_DAYS",
    "READY_MAX_EVENT_AGE_SECONDS",
)
_DATABASE_SCHEMES = ("postgresql", "postgres", "postgresql+psycopg", "sqlite")
_LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")


def chunk_seconds(smtp_timeout: int, smtp_connections: int) -> int:
    """The longest a chunk of DELIVERY_CHUNK messages can take to send: the messages go over
    ``smtp_connections`` connections at once, each up to SMTP_TIMEOUTS_PER_MESSAGE timeouts."""
    rounds = math.ceil(DELIVERY_CHUNK / max(smtp_connections, 1))
    return rounds * smtp_timeout * SMTP_TIMEOUTS_PER_MESSAGE


class ConfigurationError(click.ClickException):
    """The settings are unsafe or incomplete for the chosen environment.

    One line per problem, each naming the VAWG_* variable. A ClickException, so a ``flask``
    command (the worker included) that cannot build the app prints those lines and exits with
    status 78, without a traceback; gunicorn's master does the same (config/gunicorn.conf.py).
    """

    exit_code = CONFIGURATION_EXIT_STATUS

    def __init__(self, problems: list[str] | str, env_name: str | None = None) -> None:
        self.problems = [problems] if isinstance(problems, str) else list(problems)
        self.env_name = env_name
        where = f" in {env_name}" if env_name else ""
        super().__init__("\n".join(f"Refusing to start{where}: {problem}" for problem in self.problems))

    def show(self, file=None) -> None:
        click.echo(self.format_message(), file=file, err=file is None)


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
    # Each PDF is rendered in a child process that is stopped past these limits (a pack of
    # 100 pages takes seconds and well under 500 MB; more means the document is broken).
    PDF_TIME_LIMIT_SECONDS = 180
    PDF_MEMORY_LIMIT_MB = 2048
    # The largest request body accepted, in bytes (uploads included).
    MAX_CONTENT_LENGTH = 10 * 1024 * 1024

    # Sign-in
    DEMO_SIGN_IN = False
    SESSION_IDLE_MINUTES = 30
    SESSION_ABSOLUTE_HOURS = 12
    SESSION_COOKIE_SECURE = True
    SIGN_IN_RATE_LIMIT = "10 per minute"
    # Per client address, for the public routes answered to a token in the URL (calendar feed,
    # RSVP link, sign-in link): made-up tokens are refused fast and counted, not logged one by one.
    PUBLIC_TOKEN_RATE_LIMIT = "60 per minute"
    RATELIMIT_STORAGE_URI = "memory://"
    ENTRA_CLIENT_ID = ""
    ENTRA_CLIENT_SECRET = ""
    # The authority msal talks to; "organizations" accepts work accounts from any tenant, and
    # ENTRA_ALLOWED_TENANTS narrows that to the OPCC's and Parliament's.
    ENTRA_AUTHORITY = "https://login.microsoftonline.com/organizations"
    ENTRA_ALLOWED_TENANTS = ""  # comma-separated tenant ids
    # Which tenants each kind of person signs in from (comma-separated tenant ids): OPCC staff
    # only from the OPCC's, MPs and their assistants only from Parliament's. A token from the
    # other tenant is refused even for a registered person, so an account in one tenant can
    # never sign in as someone whose work account is in the other.
    ENTRA_OPCC_TENANTS = ""
    ENTRA_PARLIAMENT_TENANTS = ""
    # How long a one-time sign-in link (an invite that binds a Microsoft account) works.
    ENTRA_INVITE_DAYS = 7
    ENTRA_CA_BUNDLE = ""  # a CA file to trust instead of the system store (tests only)
    ENTRA_INSTANCE_DISCOVERY = True

    # Microsoft Graph, app-only (client credentials), used by the worker only: mail from the
    # OPCC mailbox and Teams meetings it organises. Off (empty) in development and the demo.
    GRAPH_TENANT_ID = ""  # the OPCC's tenant id
    GRAPH_CLIENT_ID = ""
    GRAPH_CLIENT_SECRET = ""
    GRAPH_AUTHORITY_HOST = "https://login.microsoftonline.com"
    GRAPH_BASE_URL = "https://graph.microsoft.com/v1.0"
    GRAPH_CA_BUNDLE = ""  # a CA file to trust instead of the system store (tests only)
    GRAPH_SENDER = ""  # the OPCC mailbox that sends mail and organises meetings
    GRAPH_TIMEOUT_SECONDS = 30

    # Field encryption for casework: "keyid:base64key,keyid2:base64key"; the first is current.
    ENCRYPTION_KEYS = ""
    # The audit log's hash chain is an HMAC under these keys, "keyid:base64key,..." (at least
    # 32 bytes each; the first keys new rows, the rest still verify older ones). Kept out of the
    # database, so whoever can write to the database cannot recompute the chain.
    AUDIT_CHAIN_KEYS = ""
    # A file the chain's head is appended to every few minutes and by `flask audit-anchor`
    # (empty: the log line only). Put it where the database's owner cannot write.
    AUDIT_ANCHOR_FILE = ""
    # Closed casework is deleted this many months after closing (a tombstone stays).
    CASEWORK_RETENTION_MONTHS = 24

    # Mail: "smtp" or "graph" (Microsoft Graph sendMail from the GRAPH_SENDER mailbox).
    MAIL_TRANSPORT = "smtp"
    MAIL_FROM = "Lancashire VAWG Group <vawg-group@lancashire-opcc.example>"
    # The right-hand side of every Message-ID we create.
    MAIL_DOMAIN = "lancashire-opcc.example"
    SMTP_HOST = "127.0.0.1"
    SMTP_PORT = 25
    SMTP_SECURITY = "starttls"  # none | starttls | tls (implicit TLS, usually port 465)
    SMTP_USERNAME = ""
    SMTP_PASSWORD = ""
    SMTP_TIMEOUT = 30  # seconds per SMTP operation
    # How many SMTP connections a worker sends over at once (relays often allow a few).
    SMTP_CONNECTIONS = 3
    # Deliveries (and event handlers) are retried with exponential backoff and equal jitter:
    # attempt n waits between half and all of min(BACKOFF_MAX, BACKOFF * 2**(n-1)) seconds. With
    # these defaults the waits before the last attempt add up to 26.5 to 53 hours: a relay (or
    # Graph) down for a whole day loses nothing and needs no one to retry by hand.
    DELIVERY_MAX_ATTEMPTS = 60
    DELIVERY_BACKOFF_SECONDS = 30
    DELIVERY_BACKOFF_MAX_SECONDS = 3600
    # Casework update emails: changes to one case in a burst go to each person as one email,
    # sent once no change has come for WAIT seconds, and never later than MAX_WAIT seconds after
    # the first (vawg_group/workflow/coalescing.py). 0 sends each change at once.
    CASEWORK_NOTICE_WAIT_SECONDS = 120
    CASEWORK_NOTICE_MAX_WAIT_SECONDS = 600

    # The worker (`flask --app vawg_group worker`)
    WORKER_POLL_SECONDS = 1
    WORKER_BATCH_SIZE = 50
    # How long a claim on an event or delivery lasts before another worker may take it over.
    WORKER_LEASE_SECONDS = 300
    # Each worker writes a heartbeat this often; one silent for three beats is dead (workflow/status.py).
    WORKER_HEARTBEAT_SECONDS = 10
    # Whether /readyz answers 503 while no worker is live.
    REQUIRE_WORKER = False
    # /readyz answers 503 when an event has waited longer than this for a worker to take it
    # (workers alive but stuck, or too few for the load).
    READY_MAX_EVENT_AGE_SECONDS = 300
    # Where the development mail catcher (`make run`) writes each message as an .eml file.
    DEVMAIL_DIR = str(INSTANCE_DIR / "mail")

    # Meetings and calendar invites
    # The address links in emails are built on (the worker has no request to take it from).
    PUBLIC_BASE_URL = "http://127.0.0.1:5000"
    # Which Host headers the app answers, comma-separated ("*": any, for a laptop; ".example.org"
    # matches its subdomains). Empty: only PUBLIC_BASE_URL's host. Werkzeug builds redirects and
    # absolute links from the Host header, so a forged one must not reach them.
    TRUSTED_HOSTS = "*"
    # Who the invites come from: ORGANIZER in every .ics (Graph events live in GRAPH_SENDER).
    MEETINGS_ORGANISER_EMAIL = "vawg-group@lancashire-opcc.example"
    MEETINGS_ORGANISER_NAME = "OPCC Lancashire VAWG Group"
    # The online meeting link used when Microsoft Graph is not configured.
    MEETINGS_JOIN_URL = ""
    # When invites go out: 0 = as soon as a meeting is scheduled; N = N days before it starts.
    MEETINGS_INVITE_DAYS_AHEAD = 0
    # How far ahead occurrences are kept (months). RSVP links work until their meeting ends.
    MEETINGS_WINDOW_MONTHS = 12

    # Logging
    LOG_LEVEL = "INFO"

    # Whether responses carry HSTS (production behind TLS).
    HSTS = False
    # How many proxies in front of the app set X-Forwarded-For/-Proto (0: trust none). The
    # client address feeds the audit log and the sign-in rate limit, so trust no more than exist.
    TRUSTED_PROXY_HOPS = 0

    # Operations (vawg_group/ops/; docs/backups.md, docs/monitoring.md). The backup key seals
    # archives and is never one of the field keys; PG_BIN_DIR picks the pg_dump to use.
    BACKUP_KEY = ""
    PG_BIN_DIR = ""
    # Who may read /metrics: addresses or networks, or a bearer token; neither set: 404.
    METRICS_ALLOW = ""
    METRICS_TOKEN = ""
    LOG_FORMAT = "text"  # or "json": one object a line

    def __init__(self) -> None:
        # Variables whose value could not be read as the setting's type: refused by load_config.
        self.unreadable: list[str] = []
        # The settings given in the environment (production refuses to fall back on some).
        self.from_environment: set[str] = set()
        for name in dir(type(self)):
            if not name.isupper():
                continue
            raw = os.environ.get(f"VAWG_{name}")
            if raw is None:
                continue
            self.from_environment.add(name)
            try:
                setattr(self, name, _coerce(raw, getattr(self, name)))
            except ValueError as error:
                self.unreadable.append(f"VAWG_{name} {error}")

    def as_flask_config(self) -> dict:
        settings = {name: getattr(self, name) for name in dir(self) if name.isupper()}
        settings["SQLALCHEMY_DATABASE_URI"] = _normalise_database_url(self.DATABASE_URL)
        settings["SQLALCHEMY_ENGINE_OPTIONS"] = {"pool_pre_ping": True}
        settings["SESSION_COOKIE_HTTPONLY"] = True
        settings["SESSION_COOKIE_SAMESITE"] = "Lax"
        # __Host-: browsers accept it only Secure, for path / and with no Domain, so no other
        # host (a subdomain, a sibling service) can set or shadow it. Without Secure (a laptop
        # on http://) browsers would refuse the prefix, so it is plain there.
        settings["SESSION_COOKIE_NAME"] = "__Host-vawg_session" if self.SESSION_COOKIE_SECURE else "vawg_session"
        settings["SESSION_COOKIE_PATH"] = "/"
        settings["PERMANENT_SESSION_LIFETIME"] = self.SESSION_ABSOLUTE_HOURS * 3600
        settings["WTF_CSRF_TIME_LIMIT"] = self.SESSION_ABSOLUTE_HOURS * 3600
        settings["RATELIMIT_HEADERS_ENABLED"] = True
        settings["TRUSTED_HOSTS"] = self.trusted_host_list()
        return settings

    def trusted_host_list(self) -> list[str] | None:
        """Flask's TRUSTED_HOSTS: None lets any host through."""
        if self.TRUSTED_HOSTS.strip() == "*":
            return None
        named = [host.strip() for host in self.TRUSTED_HOSTS.split(",") if host.strip()]
        return named or [urlsplit(self.PUBLIC_BASE_URL).hostname or ""]

    def check(self) -> None:
        """Raise ConfigurationError where the settings are unsafe for this environment."""

    def worker_fit_problems(self) -> list[str]:
        """Whether a claimed chunk of deliveries can be sent within one lease (workflow/worker.py).

        The worker renews its claims while a chunk is sent; this is the margin for a renewal that
        cannot be written (the database slow or briefly away): a chunk of DELIVERY_CHUNK messages
        over SMTP_CONNECTIONS connections, each up to SMTP_TIMEOUT per SMTP step and
        SMTP_STEPS_PER_MESSAGE steps, must fit in the lease, or another worker could take the
        rows over mid-chunk and send them again.
        """
        if self.WORKER_LEASE_SECONDS < 1 or self.SMTP_TIMEOUT < 1 or self.SMTP_CONNECTIONS < 1:
            return []  # refused by number_problems, each on its own line
        needed = chunk_seconds(self.SMTP_TIMEOUT, self.SMTP_CONNECTIONS)
        if self.WORKER_LEASE_SECONDS >= needed:
            return []
        return [
            f"VAWG_WORKER_LEASE_SECONDS ({self.WORKER_LEASE_SECONDS}) is shorter than a chunk of {DELIVERY_CHUNK}"
            f" messages can take with VAWG_SMTP_TIMEOUT={self.SMTP_TIMEOUT} and VAWG_SMTP_CONNECTIONS="
            f"{self.SMTP_CONNECTIONS} ({needed} s): raise the lease to at least {needed}, lower the timeout,"
            " or add connections"
        ]

    def number_problems(self) -> list[str]:
        """Numbers that make no sense: negative counts, a zero timeout, a port out of range."""
        problems = [
            f"VAWG_{name} must be at least 1, not {getattr(self, name)}" for name in _AT_LEAST_ONE if getattr(self, name) < 1
        ]
        problems += [
            f"VAWG_{name} must not be negative, not {getattr(self, name)}"
            for name in dir(self)
            if name.isupper() and type(getattr(self, name)) is int and name not in _AT_LEAST_ONE and getattr(self, name) < 0
        ]
        if not 1 <= self.SMTP_PORT <= 65535:
            problems.append(f"VAWG_SMTP_PORT must be a port number (1 to 65535), not {self.SMTP_PORT}")
        return problems


class DevelopmentConfig(Config):
    ENV_NAME = "development"
    DEBUG = False  # the Werkzeug debugger is never on: it runs code for whoever reaches it
    DEMO_SIGN_IN = True
    # The local mail catcher `make run` starts (vawg_group/workflow/devmail.py).
    SMTP_PORT = 1025
    SMTP_SECURITY = "none"
    SESSION_COOKIE_SECURE = False
    ENCRYPTION_KEYS = DEVELOPMENT_ENCRYPTION_KEYS
    AUDIT_CHAIN_KEYS = DEVELOPMENT_AUDIT_CHAIN_KEYS

    def check(self) -> None:
        problems = self.number_problems() + self.worker_fit_problems()
        if problems:
            raise ConfigurationError(problems, self.ENV_NAME)


class TestConfig(Config):
    ENV_NAME = "test"
    TESTING = True
    DEMO_SIGN_IN = True
    SESSION_COOKIE_SECURE = False
    ENCRYPTION_KEYS = DEVELOPMENT_ENCRYPTION_KEYS
    AUDIT_CHAIN_KEYS = DEVELOPMENT_AUDIT_CHAIN_KEYS
    DATABASE_URL = "sqlite:///" + str(INSTANCE_DIR / "test.sqlite")
    SIGN_IN_RATE_LIMIT = "1000 per minute"
    PUBLIC_TOKEN_RATE_LIMIT = "1000 per minute"
    SMTP_PORT = 1025
    SMTP_SECURITY = "none"
    SMTP_TIMEOUT = 10
    # Tests that send mail expect each change told at once; the burst tests set their own wait.
    CASEWORK_NOTICE_WAIT_SECONDS = 0


class ProductionConfig(Config):
    ENV_NAME = "production"
    # No default: production refuses to start without VAWG_DATABASE_URL (never a SQLite file).
    DATABASE_URL = ""
    HSTS = True
    TRUSTED_HOSTS = ""
    REQUIRE_WORKER = True

    def check(self) -> None:
        problems = []
        if DEFAULT_SECRET_KEY in self.SECRET_KEY:
            # The shipped value, or it with a few characters added.
            problems.append("VAWG_SECRET_KEY must be set to a random value of at least 32 characters, not the development one")
        else:
            problems += key_strength.secret_key_problems("VAWG_SECRET_KEY", self.SECRET_KEY, PROJECT_ROOT)
        if self.DEMO_SIGN_IN:
            problems.append("VAWG_DEMO_SIGN_IN must be off: demo sign-in lets anyone be anyone")
        if self.DEBUG:
            problems.append("VAWG_DEBUG must be off in production")
        if not self.ENCRYPTION_KEYS or self.ENCRYPTION_KEYS == DEVELOPMENT_ENCRYPTION_KEYS:
            problems.append("VAWG_ENCRYPTION_KEYS must hold the production casework key(s)")
        else:
            # AES-256: exactly 32 bytes.
            problems += key_strength.key_list_problems(
                "VAWG_ENCRYPTION_KEYS", self.ENCRYPTION_KEYS, PROJECT_ROOT, sizes=range(32, 33)
            )
        if not self.SESSION_COOKIE_SECURE:
            problems.append("VAWG_SESSION_COOKIE_SECURE must be on in production")
        if not self.AUDIT_CHAIN_KEYS or self.AUDIT_CHAIN_KEYS == DEVELOPMENT_AUDIT_CHAIN_KEYS:
            problems.append("VAWG_AUDIT_CHAIN_KEYS must hold the production audit chain key(s)")
        else:
            # HMAC-SHA256: at least its 32-byte output, at most its 64-byte block.
            problems += key_strength.key_list_problems(
                "VAWG_AUDIT_CHAIN_KEYS", self.AUDIT_CHAIN_KEYS, PROJECT_ROOT, sizes=range(32, 65)
            )
        if self.ENTRA_CLIENT_ID and not self.ENTRA_ALLOWED_TENANTS.strip():
            problems.append("VAWG_ENTRA_ALLOWED_TENANTS must list the tenant ids allowed to sign in")
        if self.ENTRA_CLIENT_ID and not (self.ENTRA_OPCC_TENANTS.strip() and self.ENTRA_PARLIAMENT_TENANTS.strip()):
            problems.append(
                "VAWG_ENTRA_OPCC_TENANTS and VAWG_ENTRA_PARLIAMENT_TENANTS must name the tenants OPCC staff"
                " and MPs' offices sign in from"
            )
        graph = ("GRAPH_TENANT_ID", "GRAPH_CLIENT_ID", "GRAPH_CLIENT_SECRET", "GRAPH_SENDER")
        if any(getattr(self, name) for name in graph) and not all(getattr(self, name) for name in graph):
            missing = ", ".join(f"VAWG_{name}" for name in graph if not getattr(self, name))
            problems.append(f"Microsoft Graph is half set up: {missing} missing")
        if self.MAIL_TRANSPORT not in ("smtp", "graph"):
            problems.append("VAWG_MAIL_TRANSPORT must be smtp or graph")
        elif self.MAIL_TRANSPORT == "graph" and not all(getattr(self, name) for name in graph):
            problems.append("VAWG_MAIL_TRANSPORT is graph: set the VAWG_GRAPH_* settings")
        if self.SMTP_SECURITY not in ("none", "starttls", "tls"):
            problems.append("VAWG_SMTP_SECURITY must be none, starttls or tls")
        public = urlsplit(self.PUBLIC_BASE_URL)
        if public.scheme not in ("http", "https") or not public.hostname:
            problems.append("VAWG_PUBLIC_BASE_URL must be the service's address, such as https://vawg.example.org")
        if self.trusted_host_list() is None:
            problems.append("VAWG_TRUSTED_HOSTS must name the service's host names, not *")
        problems += self.url_problems()
        problems += self.number_problems()
        problems += self.worker_fit_problems()
        if self.LOG_LEVEL.upper() not in _LOG_LEVELS:
            problems.append(f"VAWG_LOG_LEVEL must be one of {', '.join(_LOG_LEVELS)}, not {self.LOG_LEVEL!r}")
        if not parseaddr(self.MAIL_FROM)[1] or "@" not in parseaddr(self.MAIL_FROM)[1]:
            problems.append(f"VAWG_MAIL_FROM must be an address such as 'VAWG Group <vawg@opcc.example>', not {self.MAIL_FROM!r}")
        if not self.STORAGE_DIR.strip():
            problems.append("VAWG_STORAGE_DIR must name the folder for attachments and PDFs (shared by every host)")
        if problems:
            raise ConfigurationError(problems, self.ENV_NAME)

    def url_problems(self) -> list[str]:
        """Addresses production needs: present, and of a kind the service can use."""
        problems = []
        if not self.DATABASE_URL.strip():
            # Never a SQLite file beside the code: production data must go where it is backed up.
            problems.append("VAWG_DATABASE_URL must be set (postgresql://user:password@host:5432/name)")
        else:
            scheme = self.DATABASE_URL.split("://", 1)[0] if "://" in self.DATABASE_URL else ""
            if scheme not in _DATABASE_SCHEMES:
                problems.append("VAWG_DATABASE_URL must be a postgresql:// address (or sqlite:/// for a single host)")
        if self.MAIL_TRANSPORT == "smtp" and not self.SMTP_HOST.strip():
            problems.append("VAWG_SMTP_HOST must name the mail relay")
        storage = self.RATELIMIT_STORAGE_URI.strip()
        if "://" not in storage:
            problems.append(f"VAWG_RATELIMIT_STORAGE_URI must be a storage address such as redis://host:6379, not {storage!r}")
        if self.ENTRA_CLIENT_ID and urlsplit(self.ENTRA_AUTHORITY).scheme != "https":
            problems.append("VAWG_ENTRA_AUTHORITY must be an https:// address")
        if self.GRAPH_CLIENT_ID:
            for name in ("GRAPH_AUTHORITY_HOST", "GRAPH_BASE_URL"):
                parts = urlsplit(getattr(self, name))
                if parts.scheme != "https" or not parts.hostname:
                    problems.append(f"VAWG_{name} must be an https:// address")
        return problems


def rate_limit_storage_problem(storage_uri: str, web_workers: int) -> str | None:
    """Why ``storage_uri`` cannot hold rate-limit counters for ``web_workers`` gunicorn workers.

    memory:// keeps counters in each worker's own memory: with five workers the sign-in limit
    is five times what it says, and a client's requests land wherever the load falls.
    """
    if storage_uri.strip().startswith("memory://") and web_workers > 1:
        return (
            f"VAWG_RATELIMIT_STORAGE_URI is memory:// with {web_workers} gunicorn workers: each keeps its own"
            f" counters, so every rate limit is {web_workers} times what it says. Set it to a store every"
            " worker shares (redis://host:6379, see docs/operations.md), or run one worker"
        )
    return None


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
        raise ConfigurationError(f"VAWG_ENV is {name!r}: choose one of {', '.join(CONFIGS)}") from None
    config = config_class()
    if config.unreadable:
        raise ConfigurationError(config.unreadable, config.ENV_NAME)
    config.check()
    return config


def _coerce(raw: str, default):
    """``raw`` as the type of ``default``; ValueError saying what was expected."""
    if isinstance(default, bool):
        lowered = raw.strip().lower()
        if lowered in {"1", "true", "yes", "on"}:
            return True
        if lowered in {"0", "false", "no", "off", ""}:
            return False
        raise ValueError(f"must be true or false, not {raw!r}")
    if isinstance(default, int):
        try:
            return int(raw)
        except ValueError:
            raise ValueError(f"must be a whole number, not {raw!r}") from None
    return raw


def _normalise_database_url(url: str) -> str:
    # Production URLs are often written postgresql://...; we use psycopg 3.
    if url.startswith("postgres://"):
        url = "postgresql://" + url[len("postgres://") :]
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://") :]
    return url
