import pytest
from django.utils import timezone

from styleguide_project.campaigns.models import EmailCampaign
from styleguide_project.campaigns.tests.factories import EmailCampaignFactory, EmailCampaignRecipientFactory
from styleguide_project.emails.models import Email
from styleguide_project.users.tests.factories import BaseUserFactory

pytestmark = pytest.mark.django_db


def url(campaign_id):
    return f"/api/emails/campaigns/{campaign_id}/"


def test_a_campaign_with_its_emails_by_status_and_its_progress(staff_client):
    author = BaseUserFactory.create()
    finished = timezone.now()
    campaign = EmailCampaignFactory.create(
        status=EmailCampaign.Status.DONE, created_by=author, task_id="run-1", finished_at=finished
    )
    EmailCampaignRecipientFactory.create_batch(2, campaign=campaign, email__status=Email.Status.SENT)
    EmailCampaignRecipientFactory.create(campaign=campaign, email__status=Email.Status.SENDING)
    # Another campaign's email is not counted.
    EmailCampaignRecipientFactory.create(email__status=Email.Status.SENDING)

    response = staff_client.get(url(campaign.id))

    assert response.status_code == 200
    assert response.json() == {
        "id": campaign.id,
        "subject": campaign.subject,
        "plain_text": campaign.plain_text,
        "status": "DONE",
        "created_by": author.id,
        "task_id": "run-1",
        "last_error": "",
        "created_at": campaign.created_at.isoformat().replace("+00:00", "Z"),
        "finished_at": finished.isoformat().replace("+00:00", "Z"),
        "cancelled_at": None,
        "cancelled_by": None,
        "emails": {"READY": 0, "SENDING": 1, "SENT": 2, "FAILED": 0, "CANCELLED": 0},
        # Every email queued (the campaign is DONE), but one is not delivered yet: still sending.
        "progress": {"state": "SENDING", "finished": False, "total": 3, "pending": 1, "cancellable": True},
    }


def test_the_same_progress_as_its_page(staff_client, client, staff_user):
    campaign = EmailCampaignFactory.create(status=EmailCampaign.Status.DONE)
    EmailCampaignRecipientFactory.create(campaign=campaign, email__status=Email.Status.SENDING)
    client.force_login(staff_user)

    api = staff_client.get(url(campaign.id)).json()
    page = client.get(f"/emails/campaigns/{campaign.id}/").content.decode()

    assert api["progress"]["state"] == "SENDING"
    assert "<strong>Sending</strong>" in page
    assert '<tr><th scope="row">SENDING</th><td>1</td></tr>' in page


def test_an_unknown_campaign_is_a_404_in_the_error_shape(staff_client):
    response = staff_client.get(url(424242))

    assert response.status_code == 404
    assert set(response.json()) == {"message", "extra"}


@pytest.mark.parametrize("emails", [2, 12])
def test_the_query_count_does_not_grow_with_its_emails(staff_client, django_assert_num_queries, emails):
    campaign = EmailCampaignFactory.create(status=EmailCampaign.Status.DONE)
    EmailCampaignRecipientFactory.create_batch(emails, campaign=campaign, email__status=Email.Status.SENT)

    # The caller's permissions (two queries), the campaign, and its emails counted by status.
    with django_assert_num_queries(4):
        response = staff_client.get(url(campaign.id))

    assert response.json()["emails"]["SENT"] == emails


def test_staff_without_the_view_permission_get_403(api_client):
    campaign = EmailCampaignFactory.create()
    api_client.force_authenticate(BaseUserFactory.create(is_staff=True))

    assert api_client.get(url(campaign.id)).status_code == 403


def test_staff_with_exactly_the_view_permission_read_it(api_client):
    campaign = EmailCampaignFactory.create()
    api_client.force_authenticate(BaseUserFactory.create(is_staff=True, permissions=["campaigns.view_emailcampaign"]))

    assert api_client.get(url(campaign.id)).json()["progress"] == {
        "state": "DRAFT",
        "finished": True,
        "total": 0,
        "pending": 0,
        "cancellable": True,
    }
