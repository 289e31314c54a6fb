"""Emails for the email benchmarks: rows made in bulk, and workers that deliver them."""

from django.db import connection
from django.template.loader import render_to_string

from bench.harness import Bench
from styleguide_project.emails.models import Email
from testing.processes import ManagedProcess, start_worker


def emails_create(*, count: int, tag: str) -> tuple[int, int]:
    """`count` READY emails (the onboarding email's size and shape); returns their first and last id."""
    context = {"user": {"email": "someone@example.com"}}
    subject = render_to_string("emails/onboarding/subject.txt", context).strip()
    html = render_to_string("emails/onboarding/body.html", context)
    plain_text = render_to_string("emails/onboarding/body.txt", context)
    rows = Email.objects.bulk_create(
        [
            Email(to=f"{tag}-{index}@example.com", subject=subject, html=html, plain_text=plain_text)
            for index in range(count)
        ],
        batch_size=2000,
    )
    return rows[0].id, rows[-1].id


def emails_reset() -> None:
    """Empty the email and result tables, so that each round starts alike."""
    with connection.cursor() as cursor:
        cursor.execute("TRUNCATE emails_email, django_celery_results_taskresult RESTART IDENTITY CASCADE")


def worker_start(bench: Bench, *, name: str, concurrency: int = 2, **env: str) -> ManagedProcess:
    """A real `celery worker` on the bench broker that also knows the plain path's task."""
    return start_worker(
        env=bench.env(**env), name=f"bench-{name}", concurrency=concurrency, extra=("--include", "bench.plain.tasks")
    )
