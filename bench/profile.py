"""`make bench-profile`: where a worker's time goes when it delivers emails.

Runs `email_send_batch` in this one process, as a worker's pool process
does, over batches of the onboarding email against the bench's SMTP sink and
a fresh PostgreSQL database, under pyinstrument. Writes the call tree to
bench/results/profile_email_send_batch.txt. docs/benchmarks.md reads it to
explain the distance between pipeline_drain and the SMTP floor.
"""

import sys
import time
from pathlib import Path

from bench.harness import bench_services
from bench.sink import Sink

OUTPUT = Path(__file__).resolve().parent / "results" / "profile_email_send_batch.txt"
EMAILS = 2_000


def main() -> int:
    from pyinstrument import Profiler

    with Sink.running() as sink, bench_services(quick=True, sink_url=sink.url):
        from django.conf import settings

        from bench.emails import emails_create
        from styleguide_project.emails.models import Email
        from styleguide_project.emails.services.delivery import email_send_batch

        first, last = emails_create(count=EMAILS, tag="profile")
        Email.objects.update(status=Email.Status.SENDING)
        ids = list(range(first, last + 1))
        size = settings.EMAIL_SEND_BATCH_SIZE
        email_send_batch(email_ids=ids[:size])  # warm: connections, imports

        profiler = Profiler(interval=0.001)
        started = time.perf_counter()
        profiler.start()
        for start in range(size, len(ids), size):
            email_send_batch(email_ids=ids[start : start + size])
        profiler.stop()
        seconds = time.perf_counter() - started
        if sink.count != EMAILS:
            raise RuntimeError(f"the sink counted {sink.count} of {EMAILS} emails")

    sent = EMAILS - size
    header = (
        f"email_send_batch, one process, {sent:,} emails in batches of {size}: "
        f"{seconds:.2f} s, {seconds / sent * 1000:.2f} ms per email (under the profiler)\n\n"
    )
    tree = profiler.output_text(unicode=False, color=False)
    # Self time per function, largest first: where the time goes inside the
    # libraries that the tree folds away.
    flat = profiler.output_text(unicode=False, color=False, flat=True).splitlines()
    OUTPUT.write_text(header + tree + "\nSelf time per function (top 40)\n\n" + "\n".join(flat[:48]) + "\n")
    print(header + f"call tree in {OUTPUT}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
