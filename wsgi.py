"""The WSGI entry point: gunicorn serves ``wsgi:app``.

Settings are checked by config/gunicorn.conf.py in gunicorn's master before any worker starts.
Served without that file (``gunicorn wsgi:app``, another server), a refusal is still one line per
problem and no traceback; exit status 4 is gunicorn's "App failed to load", so its master stops
instead of starting worker after worker.
"""

import sys

from config import ConfigurationError
from vawg_group import create_app

try:
    app = create_app()
except ConfigurationError as refused:
    print(refused.format_message(), file=sys.stderr, flush=True)
    raise SystemExit(4) from None
