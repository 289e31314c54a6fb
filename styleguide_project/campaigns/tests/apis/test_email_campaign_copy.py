import pytest

from styleguide_project.campaigns.models import EmailCampaign
from styleguide_project.campaigns.tests.factories import EmailCampaignFactory

pytestmark = pytest.mark.django_db


def url(campaign_id):
    return f"/api/emails/campaigns/{campaign_id}/copy/"


def test_a_copy_is_a_new_draft_with_the_same_subject_and_message(staff_client, staff_user):
    campaign = EmailCampaignFactory.create(status=EmailCampaign.Status.CANCELLED, subject="News", plain_text="Hello")

    response = staff_client.post(url(campaign.id))

    assert response.status_code == 201
    copy = EmailCampaign.objects.exclude(id=campaign.id).get()
    assert response.json() == {
        "id": copy.id,
        "status": "DRAFT",
        "subject": "News",
        "plain_text": "Hello",
        "copied_from": campaign.id,
    }
    assert copy.created_by == staff_user


def test_an_unknown_campaign_is_a_404(staff_client):
    assert staff_client.post(url(424242)).status_code == 404
