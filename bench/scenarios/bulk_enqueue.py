"""bulk_enqueue: queue N READY emails for sending, with no worker running.

- project: `email_send_all` over the emails (the admin action and the
  `POST /api/emails/send/` endpoint call it).
- plain: the plain path's pattern, one transaction and one `delay()` on commit per
  email (`bench/plain/emails.py`), on fewer emails, compared by rate.
- floor: the bytes the project path left in Redis, pushed again with one
  pipelined LPUSH batch: what Redis itself costs for these messages.
"""

import base64
import json
from functools import partial

import redis

from bench.emails import emails_create, emails_reset
from bench.harness import Bench, ScenarioResult, Target, fmt, median, redis_command_count, timed
from bench.plain.emails import email_queue
from bench.sink import Sink
from styleguide_project.emails.models import Email
from styleguide_project.emails.services import email_send_all
from testing.redis_dbs import redis_db_empty

# The project's emails (not a campaign's) go to the transactional queue; the
# plain path's task has no route, so it goes to the default queue.
QUEUE = "transactional"
PLAIN_QUEUE = "maintenance"


def run(bench: Bench, sink: Sink) -> ScenarioResult:
    count = bench.size(10_000, 1_000)
    plain_count = bench.size(2_000, 300)
    rounds = bench.size(3, 2)
    broker = redis.Redis.from_url(bench.broker_url)

    project_seconds: list[float] = []
    project_commands: list[float] = []
    plain_seconds: list[float] = []
    plain_commands: list[float] = []
    floor_seconds: list[float] = []
    project_messages: list[int] = []
    for _ in range(rounds):
        # The project's path.
        emails_reset()
        redis_db_empty(broker)
        first, last = emails_create(count=count, tag="bulk")
        commands_before = redis_command_count(bench.broker_url)
        rows = Email.objects.filter(id__gte=first, id__lte=last)
        seconds, ids = timed(partial(email_send_all, emails=rows))
        project_commands.append((redis_command_count(bench.broker_url) - commands_before) / count)
        queued = _queued_emails(broker)
        _check(len(ids) == count and queued == count, f"project path: {len(ids)} marked, {queued} emails queued")
        project_messages.append(broker.llen(QUEUE))
        project_seconds.append(seconds)

        # The floor: the same bytes, one pipelined batch.
        messages = broker.lrange(QUEUE, 0, -1)
        broker.delete(QUEUE)
        pipe = broker.pipeline(transaction=False)
        for message in reversed(messages):
            pipe.lpush(QUEUE, message)
        seconds, _ = timed(pipe.execute)
        floor_seconds.append(seconds)
        _check(broker.llen(QUEUE) == len(messages), "floor: not every message pushed")

        # The plain path.
        emails_reset()
        redis_db_empty(broker)
        first, last = emails_create(count=plain_count, tag="plain")
        emails = list(Email.objects.filter(id__gte=first, id__lte=last).order_by("id"))
        commands_before = redis_command_count(bench.broker_url)
        seconds, _ = timed(partial(email_queue, emails))
        plain_commands.append((redis_command_count(bench.broker_url) - commands_before) / plain_count)
        in_queue = _queued_emails(broker, queue=PLAIN_QUEUE)
        _check(in_queue == plain_count, f"plain path: {in_queue} of {plain_count} emails queued")
        plain_seconds.append(seconds)

    emails_reset()
    redis_db_empty(broker)
    message_count = int(median(project_messages))
    project_rate = count / median(project_seconds)
    plain_rate = plain_count / median(plain_seconds)
    floor_rate = count / median(floor_seconds)
    speedup = project_rate / plain_rate
    result = ScenarioResult(
        figures={
            "emails": count,
            "plain_emails": plain_count,
            "rounds": rounds,
            "project_seconds": round(median(project_seconds), 4),
            "project_emails_per_second": round(project_rate, 1),
            "project_redis_commands_per_email": round(median(project_commands), 3),
            "plain_seconds": round(median(plain_seconds), 4),
            "plain_emails_per_second": round(plain_rate, 1),
            "plain_redis_commands_per_email": round(median(plain_commands), 3),
            "floor_seconds": round(median(floor_seconds), 4),
            "floor_emails_per_second": round(floor_rate, 1),
            "project_messages": message_count,
            # Per task (broker message): a project task carries a batch of emails.
            "project_tasks_per_second": round(message_count / median(project_seconds), 1),
            "project_redis_commands_per_task": round(median(project_commands) * count / message_count, 3),
            "plain_tasks_per_second": round(plain_rate, 1),
            "plain_redis_commands_per_task": round(median(plain_commands), 3),
            "speedup_vs_plain": round(speedup, 2),
            "share_of_floor": round(project_rate / floor_rate, 4),
        },
        targets=[Target("speedup_vs_plain", "emails queued per second vs the plain path (x)", speedup, 20, "min")],
    )
    result.rows += [
        (
            f"queued (s), {count:,} vs {plain_count:,}",
            fmt(median(project_seconds), 3),
            fmt(median(plain_seconds), 3),
            "",
        ),
        ("emails queued/s", fmt(project_rate), fmt(plain_rate), f"{speedup:.1f}x"),
        ("broker messages", f"{int(median(project_messages)):,}", f"{plain_count:,}", "a batch carries several emails"),
        ("Redis commands per email", fmt(median(project_commands), 2), fmt(median(plain_commands), 2), ""),
        (
            "floor: same bytes, one LPUSH pipeline (emails/s)",
            fmt(project_rate),
            fmt(floor_rate),
            f"{project_rate / floor_rate:.1%} of it",
        ),
    ]
    return result


def _queued_emails(broker: redis.Redis, *, queue: str = QUEUE) -> int:
    """How many emails the messages waiting in `queue` carry (a batch carries several)."""
    total = 0
    for raw in broker.lrange(queue, 0, -1):
        envelope = json.loads(raw)
        body = envelope["body"]
        if envelope["properties"].get("body_encoding") == "base64":
            body = base64.b64decode(body)
        _, kwargs, _ = json.loads(body)
        total += len(kwargs["email_ids"]) if "email_ids" in kwargs else 1
    return total


def _check(ok: bool, what: str) -> None:
    if not ok:
        raise RuntimeError(f"bulk_enqueue lost work: {what}")
