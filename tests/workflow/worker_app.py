"""The app a test's worker process runs (``flask --app tests.workflow.worker_app worker``):
the real app, with the tests' handlers registered. Settings come from VAWG_* variables."""

from tests.workflow import sample_handlers  # noqa: F401  (registers the test handlers)
from vawg_group import create_app

app = create_app("test")
