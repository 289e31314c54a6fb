"""Eager mode (no CELERY_BROKER_URL) as `make run` has it: tasks run in-process, and nothing speaks of a broker."""

import logging

import pytest

pytestmark = pytest.mark.django_db


def test_onboarding_in_eager_mode_logs_no_broker_warning(user_client, django_capture_on_commit_callbacks, caplog):
    caplog.set_level(logging.WARNING)

    with django_capture_on_commit_callbacks(execute=True):
        response = user_client.post("/api/users/me/onboarding/complete/")

    assert response.status_code == 200
    assert [record.getMessage() for record in caplog.records if record.name.startswith(("kombu", "celery"))] == []
