"""The README's promises: two set-up commands first, and every setting documented."""

from config import Config, PROJECT_ROOT

README = (PROJECT_ROOT / "README.md").read_text(encoding="utf-8")
# Settings that are derived or fixed, not meant to be set by operators.
NOT_OPERATOR_SETTINGS = {"ENV_NAME", "DEBUG", "TESTING"}


def test_every_setting_is_in_the_configuration_reference():
    settings = {name for name in dir(Config) if name.isupper()} - NOT_OPERATOR_SETTINGS
    missing = sorted(name for name in settings if f"`VAWG_{name}`" not in README)
    assert missing == []


def test_the_first_screen_has_the_two_set_up_commands():
    first_screen = README[: README.index("## Who uses it")]
    assert "make run" in first_screen and "make test" in first_screen
