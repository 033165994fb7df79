import pytest

from config import DEFAULT_SECRET_KEY, ConfigurationError, load_config
from vawg_group import create_app

GOOD_PRODUCTION = {
    "VAWG_SECRET_KEY": "x" * 48,
    "VAWG_ENCRYPTION_KEYS": "prod1:" + "A" * 43 + "=",
    "VAWG_DATABASE_URL": "sqlite:///:memory:",
}


@pytest.fixture
def production_env(monkeypatch):
    for name, value in GOOD_PRODUCTION.items():
        monkeypatch.setenv(name, value)
    return monkeypatch


def test_production_starts_with_safe_settings(production_env):
    config = load_config("production")
    assert config.DEMO_SIGN_IN is False
    assert config.SESSION_COOKIE_SECURE is True


@pytest.mark.parametrize(
    "name, value, message",
    [
        ("VAWG_SECRET_KEY", DEFAULT_SECRET_KEY, "VAWG_SECRET_KEY"),
        ("VAWG_DEMO_SIGN_IN", "true", "VAWG_DEMO_SIGN_IN"),
        ("VAWG_DEBUG", "1", "VAWG_DEBUG"),
        ("VAWG_ENCRYPTION_KEYS", "", "VAWG_ENCRYPTION_KEYS"),
    ],
)
def test_production_refuses_unsafe_settings(production_env, name, value, message):
    production_env.setenv(name, value)
    with pytest.raises(ConfigurationError, match=message):
        create_app("production")


def test_every_setting_can_be_overridden_from_the_environment(monkeypatch):
    monkeypatch.setenv("VAWG_SESSION_IDLE_MINUTES", "15")
    monkeypatch.setenv("VAWG_DEMO_SIGN_IN", "off")
    monkeypatch.setenv("VAWG_SERVICE_NAME", "Test group")
    config = load_config("development")
    assert config.SESSION_IDLE_MINUTES == 15
    assert config.DEMO_SIGN_IN is False
    assert config.SERVICE_NAME == "Test group"


def test_a_malformed_number_is_a_clear_error(monkeypatch):
    monkeypatch.setenv("VAWG_SESSION_IDLE_MINUTES", "half an hour")
    with pytest.raises(ConfigurationError, match="whole number"):
        load_config("development")


def test_postgres_urls_use_psycopg3():
    from config import _normalise_database_url

    assert _normalise_database_url("postgres://u:p@h/db") == "postgresql+psycopg://u:p@h/db"
