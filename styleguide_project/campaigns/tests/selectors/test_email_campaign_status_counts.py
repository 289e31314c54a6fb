import pytest

from styleguide_project.campaigns.selectors import email_campaign_status_counts
from styleguide_project.campaigns.tests.factories import EmailCampaignFactory, EmailCampaignRecipientFactory
from styleguide_project.emails.models import Email
from styleguide_project.emails.tests.factories import EmailFactory

pytestmark = pytest.mark.django_db


def test_every_status_is_counted_zero_when_none():
    campaign = EmailCampaignFactory.create()
    EmailCampaignRecipientFactory.create_batch(2, campaign=campaign, email__status=Email.Status.SENT)
    EmailCampaignRecipientFactory.create(campaign=campaign, email__status=Email.Status.FAILED)
    # Another campaign's email and an email of no campaign are not counted.
    EmailCampaignRecipientFactory.create(email__status=Email.Status.SENT)
    EmailFactory.create(status=Email.Status.SENT)

    counts = email_campaign_status_counts(campaign=campaign)

    assert counts == {"READY": 0, "SENDING": 0, "SENT": 2, "FAILED": 1, "CANCELLED": 0}


@pytest.mark.parametrize("emails", [2, 12])
def test_one_query_whatever_the_number_of_emails(django_assert_num_queries, emails):
    campaign = EmailCampaignFactory.create()
    statuses = list(Email.Status)
    for number in range(emails):
        EmailCampaignRecipientFactory.create(campaign=campaign, email__status=statuses[number % len(statuses)])

    with django_assert_num_queries(1):
        counts = email_campaign_status_counts(campaign=campaign)

    assert sum(counts.values()) == emails
