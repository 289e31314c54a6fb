import pytest

from styleguide_project.campaigns.models import EmailCampaign
from styleguide_project.campaigns.services import email_campaign_reopen
from styleguide_project.campaigns.tests.factories import EmailCampaignFactory

pytestmark = pytest.mark.django_db


def test_a_failed_campaign_goes_back_to_sending_for_the_new_run():
    campaign = EmailCampaignFactory.create(status=EmailCampaign.Status.FAILED, task_id="old", last_error="Boom")

    reopened = email_campaign_reopen(campaign_id=campaign.id, task_id="new")

    assert reopened is not None
    campaign.refresh_from_db()
    assert (campaign.status, campaign.task_id, campaign.last_error, campaign.finished_at) == (
        EmailCampaign.Status.SENDING,
        "new",
        "",
        None,
    )


@pytest.mark.parametrize(
    "status",
    [
        EmailCampaign.Status.DRAFT,
        EmailCampaign.Status.SENDING,
        EmailCampaign.Status.DONE,
        EmailCampaign.Status.CANCELLED,
    ],
)
def test_a_campaign_in_any_other_status_is_left_alone(status):
    campaign = EmailCampaignFactory.create(status=status, task_id="old")

    email_campaign_reopen(campaign_id=campaign.id, task_id="new")

    campaign.refresh_from_db()
    assert (campaign.status, campaign.task_id) == (status, "old")


def test_a_deleted_campaign_is_none():
    assert email_campaign_reopen(campaign_id=987654, task_id="new") is None
