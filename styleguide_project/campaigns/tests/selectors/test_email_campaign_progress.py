import pytest

from styleguide_project.campaigns.models import EmailCampaign
from styleguide_project.campaigns.selectors import EmailCampaignProgressState, email_campaign_progress
from styleguide_project.campaigns.tests.factories import EmailCampaignFactory, EmailCampaignRecipientFactory
from styleguide_project.emails.models import Email

pytestmark = pytest.mark.django_db

S = Email.Status


@pytest.mark.parametrize(
    ("status", "emails", "state", "finished"),
    [
        (EmailCampaign.Status.DRAFT, [], EmailCampaignProgressState.DRAFT, True),
        # Still creating and queueing its emails, whatever the ones queued already did.
        (EmailCampaign.Status.SENDING, [S.SENT], EmailCampaignProgressState.QUEUEING, False),
        # Every email queued (the campaign says DONE), but not every one delivered.
        (EmailCampaign.Status.DONE, [S.SENT, S.SENDING], EmailCampaignProgressState.SENDING, False),
        (EmailCampaign.Status.DONE, [S.SENT, S.READY], EmailCampaignProgressState.SENDING, False),
        # Each delivered or failed for good.
        (EmailCampaign.Status.DONE, [S.SENT, S.FAILED], EmailCampaignProgressState.DONE, True),
        (EmailCampaign.Status.FAILED, [S.SENDING], EmailCampaignProgressState.FAILED, False),
        (EmailCampaign.Status.FAILED, [S.SENT], EmailCampaignProgressState.FAILED, True),
        # Stopped by staff: what was not sent never leaves.
        (EmailCampaign.Status.CANCELLED, [S.SENT, S.CANCELLED], EmailCampaignProgressState.CANCELLED, True),
    ],
)
def test_the_state_is_told_by_the_emails_as_well_as_the_campaign(status, emails, state, finished):
    campaign = EmailCampaignFactory.create(status=status)
    for email_status in emails:
        EmailCampaignRecipientFactory.create(campaign=campaign, email__status=email_status)

    progress = email_campaign_progress(campaign=campaign)

    assert (progress.state, progress.finished) == (state, finished)
    assert progress.total == len(emails)
    assert progress.pending == sum(1 for e in emails if e in (S.READY, S.SENDING))
    assert set(progress.counts) == set(S.values)


def test_one_query(django_assert_num_queries):
    campaign = EmailCampaignFactory.create(status=EmailCampaign.Status.DONE)
    EmailCampaignRecipientFactory.create_batch(3, campaign=campaign, email__status=S.SENT)

    with django_assert_num_queries(1):
        progress = email_campaign_progress(campaign=campaign)

    assert progress.counts["SENT"] == 3


@pytest.mark.parametrize(
    ("status", "emails", "cancellable"),
    [
        (EmailCampaign.Status.DRAFT, [], True),
        (EmailCampaign.Status.SENDING, [S.SENT], True),
        (EmailCampaign.Status.FAILED, [S.SENT], True),
        (EmailCampaign.Status.DONE, [S.SENT, S.SENDING], True),
        # A failed email could still be sent (a retry): there is something to cancel.
        (EmailCampaign.Status.DONE, [S.SENT, S.FAILED], True),
        (EmailCampaign.Status.DONE, [S.SENT, S.CANCELLED], False),
        (EmailCampaign.Status.CANCELLED, [S.SENT, S.CANCELLED], False),
    ],
)
def test_it_is_cancellable_while_something_could_still_be_sent(status, emails, cancellable):
    campaign = EmailCampaignFactory.create(status=status)
    for email_status in emails:
        EmailCampaignRecipientFactory.create(campaign=campaign, email__status=email_status)

    assert email_campaign_progress(campaign=campaign).cancellable is cancellable
