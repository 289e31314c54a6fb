import logging

import pytest
from django.core import mail

from styleguide_project.emails.models import Email
from styleguide_project.emails.tasks import email_send_batch as email_send_batch_task
from styleguide_project.emails.tests.backends import FlakyEmailBackend
from styleguide_project.emails.tests.factories import EmailFactory
from styleguide_project.tasks.celery import app as celery_app
from styleguide_project.tasks.services import task_enqueue, task_enqueue_on_commit
from styleguide_project.tasks.tests.probe_tasks import probe_echo
from testing.brokers import celery_app_on_broker
from testing.processes import free_port

pytestmark = pytest.mark.django_db


def test_a_broker_that_is_down_does_not_fail_the_request(
    user_client, django_capture_on_commit_callbacks, caplog, monkeypatch
):
    # Nothing listens on this port: every publish fails to connect, at once.
    dead_broker = f"redis://127.0.0.1:{free_port()}/0"
    monkeypatch.setitem(celery_app.conf, "broker_transport_options", {"max_retries": 0})

    with (
        celery_app_on_broker(celery_app, dead_broker),
        django_capture_on_commit_callbacks(execute=True),
        caplog.at_level(logging.ERROR, logger="styleguide_project.tasks.services"),
    ):
        response = user_client.post("/api/users/me/onboarding/complete/")

    assert response.status_code == 200
    email = Email.objects.get()
    assert email.status == Email.Status.SENDING
    assert (
        f"Could not enqueue emails.email_send_batch: 1 of 1 runs not sent: [{{'email_ids': [{email.id}]}}]"
        in caplog.text
    )


def test_in_eager_mode_one_failing_run_does_not_stop_the_others(settings, caplog):
    settings.EMAIL_BACKEND = "styleguide_project.emails.tests.backends.FlakyEmailBackend"
    FlakyEmailBackend.error, FlakyEmailBackend.failures_left = ValueError, 1
    failing, deleted, *sent = EmailFactory.create_batch(4, status=Email.Status.SENDING)
    deleted_id = deleted.id
    deleted.delete()

    published = task_enqueue(
        task=email_send_batch_task,
        kwargs_list=[{"email_ids": [email_id]} for email_id in [failing.id, deleted_id, sent[0].id, sent[1].id]],
    )

    assert published == 4
    failing.refresh_from_db()
    assert failing.status == Email.Status.FAILED
    assert failing.last_error == "ValueError: Connection unexpectedly closed"
    assert sorted(m.to[0] for m in mail.outbox) == sorted(e.to for e in sent)


def test_nothing_is_registered_for_an_empty_list(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks() as callbacks:
        task_enqueue_on_commit(task=probe_echo, kwargs_list=[])

    assert callbacks == []


def test_runs_get_the_ids_chosen_up_front(django_capture_on_commit_callbacks):
    ids = ["0d6e9a4e-1c54-4f0c-8d0a-6a2c6f1f5d1e", "5b1f6c0e-8a51-4e40-9d7c-2f0a8a1c3b7d"]

    with django_capture_on_commit_callbacks(execute=True):
        task_enqueue_on_commit(task=probe_echo, kwargs_list=[{"value": 1}, {"value": 2}], task_ids=ids)

    assert [celery_app.AsyncResult(task_id).result for task_id in ids] == [1, 2]


def test_one_id_per_run_or_nothing_is_registered(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks() as callbacks, pytest.raises(ValueError, match="1 task ids for 2 runs"):
        task_enqueue_on_commit(task=probe_echo, kwargs_list=[{"value": 1}, {"value": 2}], task_ids=["a"])

    assert callbacks == []
