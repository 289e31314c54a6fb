"""The Prometheus collector of the background work, computed at scrape time.

Nothing is counted in the process: every value is read from PostgreSQL, the
broker and the health report when Prometheus scrapes, so the answer is the
same from any web process, however many there are (no multiprocess mode).

A scrape is bounded like the health check: the broker is read on this
process's one metrics thread and given up on after `METRICS_TIMEOUT_SECONDS`
(no new read is queued behind a stuck one), and every database query is cut
off after the same time. The workers and beat come from the health report
that `/api/health/` keeps in the cache: a scrape reads it and, when it is
older than `HEALTH_CACHE_SECONDS`, asks for a new one on another background
thread instead of waiting the second a worker ping takes. A part that cannot
be read is left out of the answer and reported as
`styleguide_scrape_part_up{part="..."} 0`.
"""

import dataclasses
import functools
import logging
import time
from collections.abc import Callable, Iterator
from concurrent.futures import Future
from concurrent.futures import TimeoutError as FutureTimeoutError
from typing import Any

from django.conf import settings
from django.utils import timezone
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from styleguide_project.api.selectors import health_report_policy, health_reports
from styleguide_project.common.cached_report import OneThread
from styleguide_project.metrics.selectors import (
    dead_letter_count_list,
    email_count_by_status,
    metrics_database_bounded,
    outbox_state,
)
from styleguide_project.tasks.app.celery import app as celery_app
from styleguide_project.tasks.app.registry import task_registered_names
from styleguide_project.tasks.observation.queues import QueueDepth, task_queue_depth_list
from styleguide_project.tasks.periodic.watchdog import periodic_task_due_list

logger = logging.getLogger(__name__)

PREFIX = "styleguide"

_broker_reads = OneThread(name="metrics")
# A cached report older than this (times HEALTH_CACHE_SECONDS) is not shown: a refresh that keeps failing must not
# hide behind an old answer.
_HEALTH_MAX_AGE_FACTOR = 6


def gauge(name: str, documentation: str, labels: tuple[str, ...] = ()) -> GaugeMetricFamily:
    return GaugeMetricFamily(f"{PREFIX}_{name}", documentation, labels=list(labels))


class BackgroundWorkCollector(Collector):
    """Queues, the outbox, dead letters, emails, workers, beat and the managed periodic tasks."""

    def collect(self) -> Iterator[Metric]:
        started = time.monotonic()
        timeout = float(settings.METRICS_TIMEOUT_SECONDS)
        up = gauge("scrape_part_up", "1 when the part was read during this scrape, 0 when it could not be.", ("part",))
        broker = None if celery_app.conf.task_always_eager else _broker_read_start(timeout=timeout)

        database = _read_part("database", up, lambda: list(self._database()))
        yield from database or []
        yield from self._health(up)
        if not celery_app.conf.task_always_eager:
            depths = _broker_read_result(broker, seconds=timeout + 0.5)
            up.add_metric(["broker"], 0 if depths is None else 1)
            yield from self._queues(depths or [])

        yield up
        duration = gauge("scrape_duration_seconds", "How long this scrape took to compute, in seconds.")
        duration.add_metric([], round(time.monotonic() - started, 4))
        yield duration

    def _database(self) -> Iterator[Metric]:
        now = timezone.now()
        with metrics_database_bounded(timeout=float(settings.METRICS_TIMEOUT_SECONDS)):
            outbox = outbox_state(now=now)
            letters = dead_letter_count_list(now=now)
            emails = email_count_by_status()
            schedules = periodic_task_due_list(now=now)

        pending = gauge("outbox_runs_pending", "Outbox runs a worker still owes, by state.", ("state",))
        for state, count in outbox.pending.items():
            pending.add_metric([state], count)
        oldest = gauge("outbox_oldest_pending_age_seconds", "Age of the oldest run still owed (0: none).")
        oldest.add_metric([], outbox.oldest_pending_age_seconds)
        unpublished = gauge(
            "outbox_oldest_unpublished_age_seconds", "Age of the oldest run not yet published to the broker (0: none)."
        )
        unpublished.add_metric([], outbox.oldest_unpublished_age_seconds)
        yield from (pending, oldest, unpublished)

        total = gauge("dead_letters", "Dead letters kept (final task failures), by task.", ("task",))
        recent = gauge("dead_letters_last_24h", "Dead letters of the last 24 hours, by task.", ("task",))
        # Every project task has its series, at 0 without letters: a rate or an alert over them starts from 0,
        # and a first letter is a change. A letter of a task no longer registered is reported under its name too.
        counts = dict.fromkeys(task_registered_names(), (0, 0))
        counts |= {letter.task_name: (letter.total, letter.last_24h) for letter in letters}
        for task_name, (letter_total, letter_last_24h) in sorted(counts.items()):
            total.add_metric([task_name], letter_total)
            recent.add_metric([task_name], letter_last_24h)
        yield from (total, recent)

        by_status = gauge("emails", "Emails by status.", ("status",))
        for status, count in emails.items():
            by_status.add_metric([status], count)
        yield by_status

        late = sum(1 for timeliness in schedules.due if timeliness.late)
        states = gauge(
            "periodic_tasks_due",
            "Enabled managed periodic tasks past their due time (overdue within grace, late), and those whose "
            "due time the watchdog has yet to work out (unchecked).",
            ("state",),
        )
        states.add_metric(["overdue"], len(schedules.due) - late)
        states.add_metric(["late"], late)
        states.add_metric(["unchecked"], schedules.unchecked)
        yield states

        # A series per task only for the tasks that are due, however many are declared: thousands of tasks
        # on time would be thousands of series saying nothing, and as many lines to compute at every scrape.
        labels = ("periodic_task", "task")
        since = gauge(
            "periodic_task_seconds_since_last_run",
            "Seconds since beat last sent the managed periodic task (tasks that are due only).",
            labels,
        )
        overdue = gauge(
            "periodic_task_overdue_seconds",
            "Seconds past the time its own schedule said it was due (tasks that are due only).",
            labels,
        )
        grace = gauge(
            "periodic_task_grace_seconds",
            "How late the task may be before it counts as late (tasks that are due only).",
            labels,
        )
        for timeliness in schedules.due:
            values = [timeliness.name, timeliness.task]
            seconds = timeliness.seconds_since_last_run(now=now)
            if seconds is not None:
                since.add_metric(values, round(seconds, 1))
            overdue.add_metric(values, timeliness.overdue_seconds)
            grace.add_metric(values, timeliness.grace_seconds)
        yield from (since, overdue, grace)

    def _health(self, up: GaugeMetricFamily) -> Iterator[Metric]:
        if celery_app.conf.task_always_eager:
            return
        report = _read_part("health", up, _health_read)
        if report is None:
            return
        workers = report["workers"]
        if workers.get("count") is not None:
            answering = gauge("workers_answering", "Workers that answered a ping (from the health report).")
            answering.add_metric([], workers["count"])
            yield answering
        beat = report["beat"]
        beat_up = gauge("beat_up", "1 when the active beat ticked within HEALTH_BEAT_STALE_SECONDS, 0 otherwise.")
        beat_up.add_metric([], 1 if beat["status"] == "ok" else 0)
        yield beat_up
        if beat.get("last_tick_seconds_ago") is not None:
            tick = gauge("beat_last_tick_age_seconds", "Seconds since the active beat last ticked.")
            tick.add_metric([], beat["last_tick_seconds_ago"])
            yield tick

    def _queues(self, depths: list[QueueDepth]) -> Iterator[Metric]:
        messages = gauge("queue_messages", "Messages waiting in the broker queue.", ("queue",))
        age = gauge(
            "queue_oldest_message_age_seconds",
            "Age of the oldest waiting message (0: empty; absent: the broker cannot tell).",
            ("queue",),
        )
        for depth in depths:
            messages.add_metric([depth.name], depth.messages)
            if depth.messages == 0:
                age.add_metric([depth.name], 0)
            elif depth.oldest_age_seconds is not None:
                age.add_metric([depth.name], depth.oldest_age_seconds)
        yield from (messages, age)


def _read_part(part: str, up: GaugeMetricFamily, read: Callable[[], Any]) -> Any:
    try:
        value = read()
    except Exception:  # any failure of a part leaves the others to be reported
        logger.warning("Metrics: could not read the %s part", part, exc_info=True)
        up.add_metric([part], 0)
        return None
    up.add_metric([part], 1)
    return value


def _health_read() -> dict[str, Any]:
    """The cached health report, refreshed in the background when old; waits only when there is none."""
    policy = health_report_policy()
    return health_reports.get(
        policy=dataclasses.replace(
            policy,
            usable_for=_HEALTH_MAX_AGE_FACTOR * max(policy.fresh_for, 1.0),
            background=True,
            # No report at all (the first scrape, or no cache): the wait is bounded like the check.
            wait_for=2 * float(settings.HEALTH_TIMEOUT_SECONDS) + float(settings.METRICS_TIMEOUT_SECONDS),
        )
    )


def _broker_read_start(*, timeout: float) -> Future[list[QueueDepth]] | None:
    # One broker read at a time in this process: a read stuck on a dead broker is given up on, not queued behind.
    read = _broker_reads.start(functools.partial(task_queue_depth_list, timeout=timeout))
    if read is None:
        logger.warning("Metrics: the previous broker read has not finished yet")
    return read


def _broker_read_result(read: Future[list[QueueDepth]] | None, *, seconds: float) -> list[QueueDepth] | None:
    if read is None:
        return None
    try:
        return read.result(timeout=seconds)
    except FutureTimeoutError:
        logger.warning("Metrics: the broker read did not finish within %ss", seconds)
    except Exception:  # the broker's own errors: it is unreachable or refused
        logger.warning("Metrics: could not read the broker's queues", exc_info=True)
    return None
