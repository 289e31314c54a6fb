"""The relay publishes again a run the broker lost, and only such a run, on a real broker.

A lost run was published, is due since OUTBOX_LOST_AFTER_SECONDS, never
started, and its queue has nothing waiting: a run merely queued behind others
is left alone, and so is a retry whose countdown has not ended.
"""

from datetime import timedelta

import pytest
from django.utils import timezone

from styleguide_project.tasks.app.celery import app as celery_app
from styleguide_project.tasks.observation.queues import task_queue_depth_list
from styleguide_project.tasks.outbox.models import OutboxRun
from styleguide_project.tasks.outbox.services.runs import task_outbox_relay
from styleguide_project.tasks.tests.probe_tasks import probe_count
from testing.brokers import celery_app_on_broker

pytestmark = pytest.mark.django_db

QUEUE_OF_PROBE = "tests.probe_count"


@pytest.fixture
def lost_after(settings):
    settings.OUTBOX_LOST_AFTER_SECONDS = 60
    return timedelta(seconds=60)


def run(name: str, **fields) -> OutboxRun:
    return OutboxRun.objects.create(
        task_id=f"run-{name}",
        task_name=QUEUE_OF_PROBE,
        kwargs={"into": name},
        created_at=timezone.now() - timedelta(minutes=10),
        **fields,
    )


def waiting(broker_url: str) -> int:
    queue = celery_app.amqp.router.route({}, QUEUE_OF_PROBE)["queue"].name
    with celery_app_on_broker(celery_app, broker_url):
        return next(depth.messages for depth in task_queue_depth_list(timeout=2.0) if depth.name == queue)


def test_a_run_the_broker_lost_is_published_again(broker_url, lost_after):
    now = timezone.now()
    lost = run("lost", published_at=now - 2 * lost_after)
    young = run("young", published_at=now - lost_after / 2)
    done = run("done", published_at=now - 2 * lost_after, done_at=now)
    running = run("running", published_at=now - 2 * lost_after, started_at=now)
    retry_pending = run("retry-pending", published_at=now + lost_after)

    with celery_app_on_broker(celery_app, broker_url):
        result = task_outbox_relay(app=celery_app)

    assert result.published == 1
    assert waiting(broker_url) == 1
    lost.refresh_from_db()
    # Due again from now: the next passes leave the copy just sent alone.
    assert lost.published_at is not None
    assert lost.published_at > now
    for other in (young, done, running, retry_pending):
        before = other.published_at
        other.refresh_from_db()
        assert other.published_at == before, other.task_id


def test_a_run_queued_behind_others_is_not_published_twice(broker_url, lost_after):
    run("behind", published_at=timezone.now() - 2 * lost_after)
    with celery_app_on_broker(celery_app, broker_url):
        # Something waits in the run's queue: the workers will reach the run too.
        probe_count.apply_async(kwargs={"into": "ahead"})
        assert waiting(broker_url) == 1

        result = task_outbox_relay(app=celery_app)

    assert result.published == 0
    assert waiting(broker_url) == 1


def test_the_next_pass_does_not_send_the_same_lost_run_again(broker_url, lost_after):
    run("once", published_at=timezone.now() - 2 * lost_after)
    with celery_app_on_broker(celery_app, broker_url):
        first = task_outbox_relay(app=celery_app)
        second = task_outbox_relay(app=celery_app)

    assert (first.published, second.published) == (1, 0)
    assert waiting(broker_url) == 1
