import pytest

from config import DEFAULT_SECRET_KEY, ConfigurationError, load_config
from tests.production import production_env as good_production_env
from vawg_group import create_app


@pytest.fixture
def production_env(monkeypatch):
    for name, value in good_production_env(VAWG_DATABASE_URL="sqlite:///:memory:").items():
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
        ("VAWG_AUDIT_CHAIN_KEYS", "", "VAWG_AUDIT_CHAIN_KEYS"),
        # Redirects and absolute links are built from the Host header: production names its own.
        ("VAWG_TRUSTED_HOSTS", "*", "VAWG_TRUSTED_HOSTS"),
        ("VAWG_PUBLIC_BASE_URL", "", "VAWG_PUBLIC_BASE_URL"),
        ("VAWG_PUBLIC_BASE_URL", "vawg.example.org", "VAWG_PUBLIC_BASE_URL"),
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


# -------------------------------------------------------------- which hosts the app answers


def _production_app(production_env, **env):
    for name, value in env.items():
        production_env.setenv(name, value)
    return create_app("production")


def test_production_answers_only_its_own_host(production_env):
    app = _production_app(production_env, VAWG_PUBLIC_BASE_URL="https://vawg.example.org")
    client = app.test_client()
    assert client.get("/healthz", base_url="https://vawg.example.org").status_code == 200
    # Werkzeug would build this redirect's Location from the forged Host header.
    forged = client.get("/meetings", base_url="https://attacker.example")
    assert forged.status_code == 400
    assert "attacker.example" not in forged.headers.get("Location", "")
    assert "attacker.example" not in forged.get_data(as_text=True)
    own = client.get("/meetings", base_url="https://vawg.example.org")
    assert own.status_code in (302, 308) and "attacker.example" not in own.headers["Location"]


def test_further_host_names_can_be_trusted(production_env):
    app = _production_app(
        production_env, VAWG_PUBLIC_BASE_URL="https://vawg.example.org", VAWG_TRUSTED_HOSTS="vawg.example.org, .internal.example"
    )
    client = app.test_client()
    assert client.get("/healthz", base_url="http://probe.internal.example:8000").status_code == 200
    assert client.get("/healthz", base_url="https://attacker.example").status_code == 400


def test_development_answers_any_host():
    client = create_app("test").test_client()
    assert client.get("/healthz", base_url="http://laptop.local:5000").status_code == 200
