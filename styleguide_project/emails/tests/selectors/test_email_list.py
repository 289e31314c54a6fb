import pytest

from styleguide_project.emails.models import Email
from styleguide_project.emails.selectors import email_list
from styleguide_project.emails.tests.factories import EmailFactory

pytestmark = pytest.mark.django_db


def test_newest_first_filtered_by_status_and_recipient_whatever_its_case():
    EmailFactory.create(status=Email.Status.SENT, to="ada@example.com")
    older = EmailFactory.create(status=Email.Status.FAILED, to="ada@example.com")
    newer = EmailFactory.create(status=Email.Status.FAILED, to="ada@example.com")
    EmailFactory.create(status=Email.Status.FAILED, to="bob@example.com")

    emails = email_list(filters={"status": Email.Status.FAILED, "to": "ADA@example.com"})

    assert list(emails) == [newer, older]


@pytest.mark.parametrize("rows", [2, 12])
def test_one_query_whatever_the_number_of_rows(django_assert_num_queries, rows):
    for number in range(rows):
        EmailFactory.create(bulk=number % 2 == 0)

    with django_assert_num_queries(1):
        emails = list(email_list())
        # What a row of the list shows is in that one query.
        rows_shown = [(e.id, e.to, e.subject, e.status, e.attempts, e.sent_at, e.bulk) for e in emails]

    assert len(rows_shown) == rows
