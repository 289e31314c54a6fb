import pytest

from styleguide_project.campaigns.models import EmailCampaign
from styleguide_project.campaigns.tests.factories import EmailCampaignFactory, EmailCampaignRecipientFactory
from styleguide_project.emails.models import Email
from styleguide_project.users.tests.factories import BaseUserFactory

pytestmark = pytest.mark.django_db


def url(campaign_id):
    return f"/api/emails/campaigns/{campaign_id}/cancel/"


def sending_campaign():
    campaign = EmailCampaignFactory.create(status=EmailCampaign.Status.SENDING, task_id="run-1")
    EmailCampaignRecipientFactory.create_batch(2, campaign=campaign, email__status=Email.Status.SENT)
    EmailCampaignRecipientFactory.create_batch(3, campaign=campaign, email__status=Email.Status.SENDING)
    return campaign


def test_cancelling_answers_how_many_were_sent_and_how_many_cancelled(staff_client, staff_user):
    campaign = sending_campaign()

    response = staff_client.post(url(campaign.id))

    assert response.status_code == 200
    body = response.json()
    campaign.refresh_from_db()
    assert body == {
        "id": campaign.id,
        "status": "CANCELLED",
        "sent": 2,
        "cancelled": 3,
        "cancelled_at": campaign.cancelled_at.isoformat().replace("+00:00", "Z"),
        "cancelled_by": staff_user.id,
    }
    # The campaign's detail tells the same.
    detail = staff_client.get(f"/api/emails/campaigns/{campaign.id}/").json()
    assert detail["progress"] == {
        "state": "CANCELLED",
        "finished": True,
        "total": 5,
        "pending": 0,
        "cancellable": False,
    }
    assert detail["emails"] == {"READY": 0, "SENDING": 0, "SENT": 2, "FAILED": 0, "CANCELLED": 3}


def test_cancelling_twice_answers_the_same(staff_client):
    campaign = sending_campaign()

    first = staff_client.post(url(campaign.id)).json()
    second = staff_client.post(url(campaign.id))

    assert second.status_code == 200
    assert second.json() == first


def test_a_finished_campaign_is_refused_in_the_error_shape(staff_client):
    campaign = EmailCampaignFactory.create(status=EmailCampaign.Status.DONE)
    EmailCampaignRecipientFactory.create(campaign=campaign, email__status=Email.Status.SENT)

    response = staff_client.post(url(campaign.id))

    assert response.status_code == 400
    assert response.json()["extra"] == {"status": "DONE"}
    assert "nothing to cancel" in response.json()["message"]


def test_an_unknown_campaign_is_a_404(staff_client):
    assert staff_client.post(url(424242)).status_code == 404


def test_staff_with_only_the_view_permission_get_403(api_client):
    campaign = sending_campaign()
    api_client.force_authenticate(BaseUserFactory.create(is_staff=True, permissions=["campaigns.view_emailcampaign"]))

    response = api_client.post(url(campaign.id))

    assert response.status_code == 403
    assert response.json()["message"] == "This needs the permission campaigns.change_emailcampaign."
    campaign.refresh_from_db()
    assert campaign.status == EmailCampaign.Status.SENDING
