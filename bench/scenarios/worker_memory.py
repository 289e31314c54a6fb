"""worker_memory: a worker's resident memory after 1,000 and after 20,000 emails.

One worker (concurrency 2, the project's settings: a pool process is only
replaced after CELERY_WORKER_MAX_TASKS_PER_CHILD tasks, which this run does
not reach) delivers emails queued by `email_send_all`. Its RSS, parent and
pool processes together, is read once it is idle after the first 1,000 and
again after the rest. Growth between the two readings is what a leak would
show; the first reading already includes every warm-up cost (imports, the
database and SMTP connections, Django's caches).
"""

import time

from bench.emails import emails_create, emails_reset, worker_start
from bench.harness import Bench, ScenarioResult, Target, fmt, process_tree_rss_kib
from bench.sink import Sink
from styleguide_project.emails.models import Email
from styleguide_project.emails.services import email_send_all


def run(bench: Bench, sink: Sink) -> ScenarioResult:
    first_count = bench.size(1_000, 500)
    total = bench.size(20_000, 3_000)
    emails_reset()
    worker = worker_start(bench, name="memory")
    try:
        sink.reset()
        after_first = _deliver(worker.pid, sink, count=first_count, delivered=0)
        after_all = _deliver(worker.pid, sink, count=total - first_count, delivered=first_count)
        tasks = worker.output.count("emails.email_send_batch[")
    finally:
        worker.stop()
    emails_reset()

    growth = after_all / after_first - 1
    result = ScenarioResult(
        figures={
            "emails_first": first_count,
            "emails_total": total,
            "rss_after_first_mib": round(after_first / 1024, 1),
            "rss_after_total_mib": round(after_all / 1024, 1),
            "growth": round(growth, 4),
        },
        targets=[Target("growth", f"RSS growth from {first_count:,} to {total:,} emails", growth, 0.10, "max")],
    )
    result.rows += [
        (f"worker RSS after {first_count:,} emails (MiB)", fmt(after_first / 1024), "", "parent + 2 pool processes"),
        (f"worker RSS after {total:,} emails (MiB)", fmt(after_all / 1024), "", f"{growth:+.1%}"),
    ]
    # Each task line appears on receipt and on success.
    result.figures["batch_task_log_lines"] = tasks
    return result


def _deliver(pid: int, sink: Sink, *, count: int, delivered: int) -> int:
    first, last = emails_create(count=count, tag=f"memory{delivered}")
    email_send_all(emails=Email.objects.filter(id__gte=first, id__lte=last))
    sink.wait_for(delivered + count, timeout=600)
    deadline = time.monotonic() + 60
    while Email.objects.filter(status=Email.Status.SENT).count() < delivered + count:
        if time.monotonic() > deadline:
            raise RuntimeError("the sink has every message but not every email is SENT")
        time.sleep(0.1)
    # Idle, so that the reading is not taken in the middle of a task.
    time.sleep(1.0)
    return process_tree_rss_kib(pid)
