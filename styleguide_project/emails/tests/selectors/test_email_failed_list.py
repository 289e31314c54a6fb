from datetime import UTC, datetime

import pytest

from styleguide_project.emails.models import Email
from styleguide_project.emails.selectors import email_failed_list
from styleguide_project.emails.tests.factories import EmailFactory

pytestmark = pytest.mark.django_db

SINCE = datetime(2025, 6, 2, tzinfo=UTC)
UNTIL = datetime(2025, 6, 3, tzinfo=UTC)


def failed_at(moment: datetime, **kwargs) -> Email:
    email = EmailFactory.create(status=Email.Status.FAILED, **kwargs)
    # updated_at is the time of the final failed attempt; auto_now would overwrite a save.
    Email.objects.filter(id=email.id).update(updated_at=moment)
    return email


def test_the_failures_in_the_window_oldest_first():
    later = failed_at(datetime(2025, 6, 2, 17, tzinfo=UTC))
    earlier = failed_at(SINCE)
    failed_at(UNTIL)
    failed_at(datetime(2025, 6, 1, 23, 59, tzinfo=UTC))
    sent = EmailFactory.create(status=Email.Status.SENT)
    Email.objects.filter(id=sent.id).update(updated_at=datetime(2025, 6, 2, 12, tzinfo=UTC))

    assert list(email_failed_list(since=SINCE, until=UNTIL)) == [earlier, later]


@pytest.mark.parametrize("rows", [2, 12])
def test_one_query_for_what_the_summary_shows(django_assert_num_queries, rows):
    for hour in range(rows):
        failed_at(datetime(2025, 6, 2, hour, tzinfo=UTC), bulk=hour % 2 == 0)

    with django_assert_num_queries(1):
        # The columns of the failed-emails summary (emails/failed_summary/body.html).
        shown = [
            (e.id, e.to, e.subject, e.attempts, e.updated_at, e.last_error)
            for e in email_failed_list(since=SINCE, until=UNTIL)
        ]

    assert len(shown) == rows
