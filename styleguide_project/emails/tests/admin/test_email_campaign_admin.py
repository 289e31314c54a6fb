import pytest
from django.contrib.messages import get_messages
from django.test import Client

from styleguide_project.emails.models import EmailCampaign
from styleguide_project.emails.tests.factories import EmailCampaignFactory
from styleguide_project.users.tests.factories import BaseUserFactory

pytestmark = pytest.mark.django_db
URL = "/admin/emails/emailcampaign/"


@pytest.fixture
def admin_client_() -> Client:
    client = Client()
    client.force_login(BaseUserFactory.create(is_staff=True, is_superuser=True))
    return client


def run_action(client, ids):
    return client.post(URL, {"action": "send_selected", "_selected_action": [str(i) for i in ids]})


def test_sending_one_campaign_redirects_to_its_progress_page(admin_client_):
    campaign = EmailCampaignFactory.create()

    response = run_action(admin_client_, [campaign.id])

    campaign.refresh_from_db()
    assert campaign.status == EmailCampaign.Status.SENDING
    assert response.status_code == 302
    assert response["Location"] == f"/tasks/{campaign.task_id}/progress/"


def test_more_than_one_is_refused(admin_client_):
    campaigns = EmailCampaignFactory.create_batch(2)

    response = run_action(admin_client_, [c.id for c in campaigns])

    assert [str(m) for m in get_messages(response.wsgi_request)] == ["Select exactly one campaign to send."]
    assert set(EmailCampaign.objects.values_list("status", flat=True)) == {EmailCampaign.Status.DRAFT}


def test_a_campaign_already_done_is_refused_with_the_reason(admin_client_):
    campaign = EmailCampaignFactory.create(status=EmailCampaign.Status.DONE)

    response = run_action(admin_client_, [campaign.id])

    assert [str(m) for m in get_messages(response.wsgi_request)] == [
        "This campaign is DONE; only a draft or a failed campaign can be sent."
    ]


def test_the_list_and_a_sent_campaign_render(admin_client_):
    campaign = EmailCampaignFactory.create(status=EmailCampaign.Status.DONE, task_id="abc")

    assert admin_client_.get(URL).status_code == 200
    page = admin_client_.get(f"{URL}{campaign.id}/change/").content.decode()
    assert 'href="/tasks/abc/progress/"' in page
    # What was sent can no longer be edited.
    assert 'name="subject"' not in page


def test_adding_a_draft_records_its_author(admin_client_):
    response = admin_client_.post(f"{URL}add/", {"subject": "News", "plain_text": "Hello"})

    assert response.status_code == 302
    campaign = EmailCampaign.objects.select_related("created_by").get()
    assert campaign.status == EmailCampaign.Status.DRAFT
    assert campaign.created_by is not None
    assert campaign.created_by.is_superuser
