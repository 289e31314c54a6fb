"""The counts of emails by status that the database keeps, and their fold; `/metrics` reads them."""

import pytest
from django.db import connection

from styleguide_project.emails.models import Email, EmailStatusCount
from styleguide_project.emails.services.status_counts import email_status_counts_fold
from styleguide_project.emails.tests.factories import EmailFactory
from styleguide_project.metrics.selectors import email_count_by_status
from testing.concurrency import run_at_once
from testing.services import service_missing

pytestmark = pytest.mark.django_db


def counted() -> dict[str, int]:
    """What a GROUP BY over the emails says, every status present."""
    counts = dict.fromkeys(Email.Status.values, 0)
    for status in Email.Status.values:
        counts[status] = Email.objects.filter(status=status).count()
    return counts


@pytest.fixture
def postgresql():
    if connection.vendor != "postgresql":
        service_missing("needs PostgreSQL: the counts are kept by its triggers")


def test_the_counts_follow_every_kind_of_write(postgresql):
    emails = EmailFactory.create_batch(5, status=Email.Status.READY)
    Email.objects.bulk_create(
        [Email(to=f"bulk{n}@example.com", subject="s", html="h", plain_text="p") for n in range(7)]
    )
    assert email_count_by_status() == counted()

    Email.objects.filter(id__in=[email.id for email in emails[:3]]).update(status=Email.Status.SENDING)
    emails[3].status = Email.Status.FAILED
    emails[3].save()
    # A write that changes no status adds no change row.
    rows = EmailStatusCount.objects.count()
    Email.objects.update(attempts=2)
    assert EmailStatusCount.objects.count() == rows
    Email.objects.filter(status=Email.Status.SENDING).update(status=Email.Status.SENT)
    emails[4].delete()
    Email.objects.filter(to__startswith="bulk", id__lt=emails[0].id + 9).update(status=Email.Status.CANCELLED)

    assert email_count_by_status() == counted()
    assert sum(email_count_by_status().values()) == Email.objects.count() == 11


def test_a_fold_leaves_a_row_per_status_and_the_same_counts(postgresql):
    for status in (Email.Status.READY, Email.Status.SENT, Email.Status.SENT, Email.Status.FAILED):
        EmailFactory.create(status=status)
    Email.objects.filter(status=Email.Status.READY).update(status=Email.Status.SENT)
    before = email_count_by_status()
    rows = EmailStatusCount.objects.count()

    folded = email_status_counts_fold()

    assert email_count_by_status() == before == counted()
    # READY went to 0 and has no row left; SENT and FAILED have one each.
    assert sorted(EmailStatusCount.objects.values_list("status", "delta")) == [("FAILED", 1), ("SENT", 3)]
    assert folded == rows - 2
    assert email_status_counts_fold() == 0


# Committed rows: TRUNCATE refuses a table with foreign key checks still pending in the transaction.
@pytest.mark.django_db(transaction=True)
def test_emptying_the_table_empties_the_counts(postgresql):
    EmailFactory.create_batch(3)
    with connection.cursor() as cursor:
        cursor.execute("TRUNCATE emails_email CASCADE")

    assert not EmailStatusCount.objects.exists()
    assert email_count_by_status() == dict.fromkeys(Email.Status.values, 0)


def test_elsewhere_the_emails_themselves_are_counted_and_there_is_nothing_to_fold():
    if connection.vendor == "postgresql":
        pytest.skip("the SQLite path")
    EmailFactory.create_batch(2, status=Email.Status.SENT)
    EmailFactory.create(status=Email.Status.FAILED)

    assert email_count_by_status() == counted()
    assert email_status_counts_fold() == 0
    assert not EmailStatusCount.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_folds_and_status_changes_at_once_lose_no_change(postgresql):
    emails = EmailFactory.create_batch(40, status=Email.Status.READY)
    results: list[int] = []

    def work(start) -> None:
        start.wait()
        # Each thread sends what the others have not yet, folding after every email.
        for email in emails:
            Email.objects.filter(id=email.id, status=Email.Status.READY).update(status=Email.Status.SENT)
            results.append(email_status_counts_fold())

    run_at_once(work, threads=3)

    assert email_count_by_status() == counted()
    email_status_counts_fold()
    assert sorted(EmailStatusCount.objects.values_list("status", "delta")) == [("SENT", 40)]
