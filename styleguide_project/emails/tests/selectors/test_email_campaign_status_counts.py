import pytest

from styleguide_project.emails.models import Email
from styleguide_project.emails.selectors import email_campaign_status_counts
from styleguide_project.emails.tests.factories import EmailCampaignFactory, EmailFactory

pytestmark = pytest.mark.django_db


def test_every_status_is_counted_zero_when_none():
    campaign = EmailCampaignFactory.create()
    EmailFactory.create_batch(2, campaign=campaign, status=Email.Status.SENT)
    EmailFactory.create(campaign=campaign, status=Email.Status.FAILED)
    # Another campaign's email and an email of no campaign are not counted.
    EmailFactory.create(campaign=EmailCampaignFactory.create(), status=Email.Status.SENT)
    EmailFactory.create(status=Email.Status.SENT)

    counts = email_campaign_status_counts(campaign=campaign)

    assert counts == {"READY": 0, "SENDING": 0, "SENT": 2, "FAILED": 1}


@pytest.mark.parametrize("emails", [2, 12])
def test_one_query_whatever_the_number_of_emails(django_assert_num_queries, emails):
    campaign = EmailCampaignFactory.create()
    statuses = list(Email.Status)
    for number in range(emails):
        EmailFactory.create(campaign=campaign, status=statuses[number % len(statuses)])

    with django_assert_num_queries(1):
        counts = email_campaign_status_counts(campaign=campaign)

    assert sum(counts.values()) == emails
