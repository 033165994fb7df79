from tests.workflow.conftest import mail_app, mail_server  # noqa: F401 - shared fixtures
