"""`make run`: the service for a person trying it on their own machine.

Starts three processes: the local mail catcher (127.0.0.1:1025, mail saved as .eml files in
instance/mail/), the worker (events, deliveries, timed jobs) and Flask's development server
(never the debugger) on loopback. Ctrl-C or SIGTERM stops all three.
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys

from werkzeug.serving import WSGIRequestHandler

from vawg_group import create_app


class _NoAccessLog(WSGIRequestHandler):
    """Werkzeug's access log prints each request's full path, RSVP and calendar feed tokens
    included. Like gunicorn's (config/gunicorn.conf.py), it is off: the app logs one line per
    request with the route pattern instead (core/web.py). Errors are still logged."""

    def log_request(self, code="-", size="-") -> None:
        return None


def _start(arguments: list[str]) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, *arguments], env={**os.environ, "VAWG_ENV": "development"})


def _stop(processes: list[subprocess.Popen]) -> None:
    for process in processes:
        if process.poll() is None:
            process.terminate()
    for process in processes:
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=5000)
    args = parser.parse_args()
    app = create_app("development")
    mail_port = str(app.config["SMTP_PORT"])
    helpers = [
        _start(["-m", "vawg_group.workflow.devmail", "--port", mail_port, "--dir", app.config["DEVMAIL_DIR"]]),
        _start(["-m", "flask", "--app", "vawg_group", "worker"]),
    ]

    def stop_everything(signum, frame):
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, stop_everything)
    try:
        app.run(host=args.host, port=args.port, debug=False, use_reloader=False, request_handler=_NoAccessLog)
    except KeyboardInterrupt:
        pass
    finally:
        _stop(helpers)


if __name__ == "__main__":
    main()
