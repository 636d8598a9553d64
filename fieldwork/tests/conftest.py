from enforcement.tests.conftest import inspectors  # noqa: F401 (a fixture)
