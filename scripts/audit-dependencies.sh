#!/usr/bin/env bash
# Known vulnerabilities in the Python packages installed in the venv (pip-audit) and in the npm
# production dependencies (npm audit). Fails on any finding; when no vulnerability service can
# be asked, says "DEPENDENCY AUDIT COULD NOT RUN" loudly and does not fail. The logic and its
# settings are in scripts/audit_dependencies.py.
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON="${PYTHON:-.venv/bin/python}"
exec "$PYTHON" scripts/audit_dependencies.py "$@"
