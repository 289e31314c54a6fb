"""Services the integration tests need: skipped on a bare machine, required in .ci/run."""

import os
from typing import NoReturn

import pytest
from django.db import connection

# .ci/run sets this: there, a missing service is a failure, not a skip.
REQUIRE_SERVICES = os.environ.get("STYLEGUIDE_REQUIRE_SERVICES") == "1"


def service_missing(reason: str) -> NoReturn:
    """Skip the test on a bare machine; fail it where services are required."""
    if REQUIRE_SERVICES:
        pytest.fail(f"required service missing: {reason}")
    pytest.skip(reason)


def database_url() -> str:
    """A URL for the database the test is using, for a child process to share it."""
    settings = connection.settings_dict
    if connection.vendor != "postgresql":
        service_missing("needs PostgreSQL: set DATABASE_URL=postgres://... (SQLite's test database is in memory)")
    user = settings["USER"] or "postgres"
    password = f":{settings['PASSWORD']}" if settings["PASSWORD"] else ""
    host = settings["HOST"] or "127.0.0.1"
    port = settings["PORT"] or 5432
    return f"postgres://{user}{password}@{host}:{port}/{settings['NAME']}"
