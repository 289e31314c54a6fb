import os

import pytest
from django.db import connection


@pytest.mark.django_db
def test_the_suite_runs_on_the_database_that_DATABASE_URL_names():  # noqa: N802
    # .ci/run runs the suite twice; this proves the second run is really on PostgreSQL.
    url = os.environ.get("DATABASE_URL", "")
    expected = "postgresql" if url.startswith(("postgres://", "postgresql://")) else "sqlite"
    if url and expected == "sqlite" and not url.startswith("sqlite"):
        pytest.fail(f"unexpected DATABASE_URL scheme in {url!r}")

    assert connection.vendor == expected
