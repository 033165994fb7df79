"""`make run`: the web app for a person trying the service on their own machine.

Runs Flask's development server (never the debugger) on loopback. Later processes of the
service (the worker, a local mail catcher) start here too, so one Ctrl-C stops everything.
"""

from __future__ import annotations

import argparse

from vawg_group import create_app


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=5000)
    args = parser.parse_args()
    app = create_app("development")
    app.run(host=args.host, port=args.port, debug=False, use_reloader=False)


if __name__ == "__main__":
    main()
