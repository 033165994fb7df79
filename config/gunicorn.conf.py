"""gunicorn settings for production: `gunicorn -c config/gunicorn.conf.py wsgi:app`.

Every value can be overridden with the usual GUNICORN_CMD_ARGS or VAWG_GUNICORN_* variables.
The scheduler never runs here: the worker is its own process (`flask --app vawg_group worker`).
"""

import multiprocessing
import os

bind = os.environ.get("VAWG_GUNICORN_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("VAWG_GUNICORN_WORKERS", multiprocessing.cpu_count() * 2 + 1))
threads = int(os.environ.get("VAWG_GUNICORN_THREADS", 2))
timeout = int(os.environ.get("VAWG_GUNICORN_TIMEOUT", 30))
graceful_timeout = 30
keepalive = 5
# Behind one TLS-terminating proxy: trust its X-Forwarded-* headers, nobody else's.
forwarded_allow_ips = os.environ.get("VAWG_GUNICORN_FORWARDED_ALLOW_IPS", "127.0.0.1")
# Request lines and headers have sane limits; bodies are limited by the app (413).
limit_request_line = 8190
# Our own request log line (vawg_group.request) replaces gunicorn's access log, which would
# print full paths (ids and tokens).
accesslog = None
errorlog = "-"
loglevel = os.environ.get("VAWG_LOG_LEVEL", "info").lower()
# Never preload: each worker builds its own app, database pool and msal client.
preload_app = False


def on_starting(server):
    """Check every setting in the master, before any worker starts: a refusal is one line per
    problem on stderr and exit status 78, never a traceback from each worker importing the app.
    Also refuses production with per-worker rate-limit counters (config.rate_limit_storage_problem),
    checked here, where the final number of workers is known (GUNICORN_CMD_ARGS included).
    """
    import sys

    from config import ConfigurationError, load_config, rate_limit_storage_problem

    try:
        settings = load_config()
        problem = rate_limit_storage_problem(settings.RATELIMIT_STORAGE_URI, server.cfg.workers)
        if problem and settings.ENV_NAME == "production":
            raise ConfigurationError(problem, settings.ENV_NAME)
    except ConfigurationError as refused:
        print(refused.format_message(), file=sys.stderr, flush=True)
        raise SystemExit(refused.exit_code) from None
