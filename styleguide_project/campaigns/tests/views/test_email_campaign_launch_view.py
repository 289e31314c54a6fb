import pytest
from django.test import Client
from django.utils import timezone

from styleguide_project.campaigns.models import EmailCampaign
from styleguide_project.campaigns.tests.factories import EmailCampaignFactory, EmailCampaignRecipientFactory
from styleguide_project.emails.models import Email
from styleguide_project.users.tests.factories import BaseUserFactory

pytestmark = pytest.mark.django_db
URL = "/emails/campaigns/new/"


def logged_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_staff_get_the_form(staff_user):
    response = logged_in(staff_user).get(URL)

    assert response.status_code == 200
    assert 'name="subject"' in response.content.decode()


def test_posting_it_queues_the_campaign_and_redirects_to_its_progress_page(
    staff_user, django_capture_on_commit_callbacks
):
    BaseUserFactory.create_batch(3, onboarded_at=timezone.now())
    client = logged_in(staff_user)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(URL, {"subject": "News", "plain_text": "Hello"})

    campaign = EmailCampaign.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/tasks/{campaign.task_id}/progress/"
    page = client.get(response["Location"])
    assert page.status_code == 200
    assert f'href="/emails/campaigns/{campaign.id}/"' in page.content.decode()


def test_an_invalid_form_is_shown_again_with_its_errors(staff_user):
    response = logged_in(staff_user).post(URL, {"subject": "", "plain_text": "Hello"})

    assert response.status_code == 200
    assert "This field is required." in response.content.decode()
    assert EmailCampaign.objects.count() == 0


def test_a_subject_with_a_line_break_is_shown_again_with_the_error(staff_user):
    response = logged_in(staff_user).post(URL, {"subject": "News\x0bBcc: x@example.com", "plain_text": "Hello"})

    assert response.status_code == 200
    assert "A subject is a single line." in response.content.decode()
    assert EmailCampaign.objects.count() == 0


def test_anonymous_visitors_are_sent_to_log_in():
    response = Client().get(URL)

    assert response.status_code == 302
    assert response["Location"] == f"/accounts/login/?next={URL}"


def test_other_users_get_403(user):
    assert logged_in(user).get(URL).status_code == 403
    assert logged_in(user).post(URL, {"subject": "News", "plain_text": "Hello"}).status_code == 403
    assert EmailCampaign.objects.count() == 0


def test_the_campaign_page_shows_its_status_and_emails_by_status(staff_user):
    campaign = EmailCampaignFactory.create(status=EmailCampaign.Status.DONE, subject="Spring news", task_id="abc")
    EmailCampaignRecipientFactory.create_batch(2, campaign=campaign, email__status=Email.Status.SENT)
    EmailCampaignRecipientFactory.create(campaign=campaign, email__status=Email.Status.FAILED)

    response = logged_in(staff_user).get(f"/emails/campaigns/{campaign.id}/")

    html = response.content.decode()
    assert response.status_code == 200
    assert "Spring news" in html
    assert "<strong>Done</strong>" in html
    assert '<tr><th scope="row">SENT</th><td>2</td></tr>' in html
    assert '<tr><th scope="row">FAILED</th><td>1</td></tr>' in html
    assert 'href="/tasks/abc/progress/"' in html


def test_an_unknown_campaign_is_a_404_page(staff_user):
    response = logged_in(staff_user).get("/emails/campaigns/424242/")

    assert response.status_code == 404
    assert "No such campaign" in response.content.decode()


def test_the_campaign_page_is_staff_only(user):
    campaign = EmailCampaignFactory.create()

    assert logged_in(user).get(f"/emails/campaigns/{campaign.id}/").status_code == 403
    assert Client().get(f"/emails/campaigns/{campaign.id}/").status_code == 302


def test_staff_without_the_add_permission_get_403_from_the_form():
    viewer = logged_in(BaseUserFactory.create(is_staff=True, permissions=["campaigns.view_emailcampaign"]))

    assert viewer.get(URL).status_code == 403
    assert viewer.post(URL, {"subject": "News", "plain_text": "Hello"}).status_code == 403
    assert EmailCampaign.objects.count() == 0


def test_staff_with_exactly_the_add_permission_launch_from_the_form(django_capture_on_commit_callbacks):
    launcher = logged_in(BaseUserFactory.create(is_staff=True, permissions=["campaigns.add_emailcampaign"]))

    with django_capture_on_commit_callbacks(execute=True):
        response = launcher.post(URL, {"subject": "News", "plain_text": "Hello"})

    assert response.status_code == 302
    assert EmailCampaign.objects.get().subject == "News"


def test_the_campaign_page_needs_the_view_permission():
    campaign = EmailCampaignFactory.create()

    without = logged_in(BaseUserFactory.create(is_staff=True, permissions=["campaigns.add_emailcampaign"]))
    viewer = logged_in(BaseUserFactory.create(is_staff=True, permissions=["campaigns.view_emailcampaign"]))

    assert without.get(f"/emails/campaigns/{campaign.id}/").status_code == 403
    assert viewer.get(f"/emails/campaigns/{campaign.id}/").status_code == 200
