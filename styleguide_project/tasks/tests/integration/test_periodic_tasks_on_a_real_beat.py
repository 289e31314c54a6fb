"""Periodic tasks end to end: rows written by the sync → real `celery beat` → Redis → real worker.

Runs are counted in the results the worker stores (django-celery-results),
by the name of the periodic task that sent them.
"""

from datetime import timedelta

import pytest
import redis
from django.conf import settings
from django.utils import timezone
from django_celery_results.models import TaskResult

from styleguide_project.tasks.app.tasks import task_result_delete_expired as task_result_delete_expired_task
from styleguide_project.tasks.periodic.schedules import Clocked
from styleguide_project.tasks.periodic.sync import periodic_tasks_sync
from styleguide_project.tasks.tests.periodic_helpers import definition, every
from testing.processes import wait_until

pytestmark = pytest.mark.integration


def runs(name: str) -> int:
    return TaskResult.objects.filter(periodic_task_name=name).count()


def test_a_task_declared_every_second_runs_and_beat_follows_a_changed_definition(celery_worker, celery_beat, redis_url):
    started_at = timezone.now().timestamp()
    periodic_tasks_sync(definitions=[definition("Every second", every(1))])
    celery_worker()
    beat = celery_beat()

    wait_until(lambda: runs("Every second") >= 2, timeout=60, what="two runs of the every-second task")
    assert TaskResult.objects.filter(periodic_task_name="Every second", status="SUCCESS").exists()
    # The active beat records its ticks for the health check.
    last_tick = redis.Redis.from_url(redis_url).get(settings.BEAT_LAST_TICK_KEY)
    assert last_tick is not None
    assert float(last_tick) >= started_at

    # A deploy changes the code: the task now runs daily, and another one every second.
    periodic_tasks_sync(
        definitions=[
            definition("Every second", every(86400)),
            definition("Clock", every(1), task=task_result_delete_expired_task),
        ]
    )

    wait_until(lambda: runs("Clock") >= 2, timeout=60, what="the new task, after beat reloaded the schedule")
    before = runs("Every second")
    clock = runs("Clock")
    wait_until(lambda: runs("Clock") >= clock + 3, timeout=60, what="three more seconds of the new schedule")
    assert runs("Every second") == before
    assert "DatabaseScheduler: Schedule changed." in beat.output
    assert beat.alive()


def test_two_beats_send_each_run_once_and_the_standby_takes_over_when_the_active_one_is_killed(
    celery_worker, celery_beat
):
    # One-off runs a few seconds after the beats start: two beats without the
    # lock would both send each of them.
    soon = timezone.now() + timedelta(seconds=10)
    one_offs = [f"Once {number}" for number in range(3)]
    periodic_tasks_sync(
        definitions=[
            definition("Every second", every(1)),
            *(
                definition(name, Clocked(at=soon + timedelta(seconds=2 * number)))
                for number, name in enumerate(one_offs)
            ),
        ]
    )
    celery_worker()
    beats = [celery_beat(name="beat-a", wait=False), celery_beat(name="beat-b", wait=False)]
    for beat in beats:
        beat.wait_for_output(r"beat: Starting\.\.\.", timeout=60)

    wait_until(lambda: all(runs(name) for name in one_offs), timeout=90, what="every one-off run")
    # Long enough for a second send of any one-off to have run too.
    seconds = runs("Every second")
    wait_until(lambda: runs("Every second") >= seconds + 3, timeout=60, what="three more runs")
    assert [runs(name) for name in one_offs] == [1, 1, 1]

    [active] = [beat for beat in beats if "beat: took the lock" in beat.output]
    [standby] = [beat for beat in beats if beat is not active]
    assert "beat: standby; the lock" in standby.output
    assert "Sending due task" not in standby.output
    assert "Sending due task Every second" in active.output

    active.kill()
    after_kill = runs("Every second")

    standby.wait_for_output(r"beat: took the lock", timeout=60)
    wait_until(lambda: runs("Every second") >= after_kill + 2, timeout=60, what="runs sent by the new active beat")
    assert "Sending due task Every second" in standby.output
    assert [runs(name) for name in one_offs] == [1, 1, 1]
