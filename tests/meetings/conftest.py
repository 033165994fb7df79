"""The workflow's real SMTP server fixtures, for the end-to-end tests through the worker."""

from tests.standins.microsoft import microsoft, microsoft_server  # noqa: F401, E402
from tests.workflow.conftest import mail_app, mail_server  # noqa: F401
