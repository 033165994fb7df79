from tests.standins.microsoft import microsoft, microsoft_server  # noqa: F401  (fixtures)
