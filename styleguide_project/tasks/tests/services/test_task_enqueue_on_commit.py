import logging

import pytest
from celery.signals import before_task_publish
from django.core import mail
from django.db import transaction

from styleguide_project.emails.models import Email
from styleguide_project.emails.tasks import email_send_batch as email_send_batch_task
from styleguide_project.emails.tests.backends import FlakyEmailBackend
from styleguide_project.emails.tests.factories import EmailFactory
from styleguide_project.tasks.app.base import TaskSerializationError
from styleguide_project.tasks.app.celery import app as celery_app
from styleguide_project.tasks.outbox.models import OutboxRun
from styleguide_project.tasks.outbox.services.enqueue import OUTBOX_HEADER, task_enqueue_on_commit, task_outbox_publish
from styleguide_project.tasks.tests.probe_tasks import COUNTS, probe_count, probe_echo
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
    # The run waits in the outbox for the relay, with what it needs to be published.
    run = OutboxRun.objects.get()
    assert (run.task_name, run.kwargs, run.published_at) == ("emails.email_send_batch", {"email_ids": [email.id]}, None)
    assert "Could not publish emails.email_send_batch: 1 of 1 runs left to the outbox relay" in caplog.text


def sent_ids(emails):
    return [email.id for email in emails]


@pytest.mark.task_failure_expected
def test_in_eager_mode_one_failing_run_does_not_stop_the_others(settings, caplog):
    settings.EMAIL_BACKEND = "styleguide_project.emails.tests.backends.FlakyEmailBackend"
    FlakyEmailBackend.error, FlakyEmailBackend.failures_left = ValueError, 1
    failing, deleted, *sent = EmailFactory.create_batch(4, status=Email.Status.SENDING)
    deleted_id = deleted.id
    deleted.delete()

    published = task_outbox_publish(
        task=email_send_batch_task,
        runs=[(f"run-{email_id}", {"email_ids": [email_id]}) for email_id in [failing.id, deleted_id, *sent_ids(sent)]],
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


def test_the_runs_are_rows_of_the_callers_transaction_written_in_one_insert(
    django_capture_on_commit_callbacks, django_assert_num_queries
):
    with django_capture_on_commit_callbacks() as callbacks, django_assert_num_queries(1):
        ids = task_enqueue_on_commit(task=probe_echo, kwargs_list=[{"value": n} for n in range(50)])

    assert len(callbacks) == 1
    rows = OutboxRun.objects.order_by("created_at", "task_id")
    assert sorted(row.task_id for row in rows) == sorted(ids)
    assert {row.task_name for row in rows} == {"tests.probe_echo"}
    assert sorted(row.kwargs["value"] for row in rows) == list(range(50))
    assert {row.published_at for row in rows} == {None}


def test_after_the_commit_the_runs_are_published_and_marked(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        [task_id] = task_enqueue_on_commit(task=probe_echo, kwargs_list=[{"value": 7}])

    run = OutboxRun.objects.get(task_id=task_id)
    assert run.published_at is not None
    assert run.done_at is not None
    assert celery_app.AsyncResult(task_id).result == 7


def test_a_published_message_shows_its_arguments_cut_at_celerys_own_limit(django_capture_on_commit_callbacks):
    shown: list[str] = []

    def record(headers, **_):
        shown.append(headers["kwargsrepr"])

    before_task_publish.connect(record)
    try:
        with celery_app_on_broker(celery_app, "memory://"), django_capture_on_commit_callbacks(execute=True):
            task_enqueue_on_commit(task=probe_echo, kwargs_list=[{"value": 1}, {"value": list(range(1000))}])
    finally:
        before_task_publish.disconnect(record)

    short, long = shown
    assert short == "{'value': 1}"
    # The message itself carries every argument; only what logs and Flower show is cut.
    assert len(long) == 1024
    assert long.startswith("{'value': [0, 1, 2,")
    assert long.endswith("...")
    assert OutboxRun.objects.filter(published_at__isnull=False).count() == 2


def test_a_rollback_leaves_no_row_and_publishes_nothing(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        try:
            with transaction.atomic():
                task_enqueue_on_commit(task=probe_echo, kwargs_list=[{"value": 1}])
                raise RuntimeError("the service failed after asking for the run")
        except RuntimeError:
            pass

    assert callbacks == []
    assert not OutboxRun.objects.exists()


def test_an_argument_that_is_not_json_fails_at_the_call_naming_it():
    with pytest.raises(TaskSerializationError, match="argument 'value' is a set"):
        task_enqueue_on_commit(task=probe_echo, kwargs_list=[{"value": {1, 2}}])

    assert not OutboxRun.objects.exists()


def test_a_copy_of_a_run_that_already_succeeded_does_nothing(django_capture_on_commit_callbacks):
    COUNTS.pop("copies", None)
    with django_capture_on_commit_callbacks(execute=True):
        [task_id] = task_enqueue_on_commit(task=probe_count, kwargs_list=[{"into": "copies"}])
    assert COUNTS["copies"] == 1

    # The relay, a redelivery or Redis's visibility timeout delivers it again.
    probe_count.apply_async(kwargs={"into": "copies"}, task_id=task_id, headers={OUTBOX_HEADER: "1"})

    assert COUNTS["copies"] == 1
