"""The campaign's page: what is true of it, a reload while it is not finished, and a Cancel button for staff who may
change campaigns."""

import pytest
from django.test import Client

from styleguide_project.campaigns.models import EmailCampaign
from styleguide_project.campaigns.tests.factories import EmailCampaignFactory, EmailCampaignRecipientFactory
from styleguide_project.emails.models import Email
from styleguide_project.users.tests.factories import BaseUserFactory

pytestmark = pytest.mark.django_db

REFRESH = '<meta http-equiv="refresh" content="5">'
CANCEL_FORM = 'id="campaign-cancel"'


def logged_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def page_url(campaign):
    return f"/emails/campaigns/{campaign.id}/"


def campaign_with_emails(status, *email_statuses):
    campaign = EmailCampaignFactory.create(status=status, task_id="run-1")
    for email_status in email_statuses:
        EmailCampaignRecipientFactory.create(campaign=campaign, email__status=email_status)
    return campaign


def test_a_campaign_being_sent_says_so_reloads_itself_and_offers_cancel(staff_user):
    campaign = campaign_with_emails(EmailCampaign.Status.DONE, Email.Status.SENT, Email.Status.SENDING)

    page = logged_in(staff_user).get(page_url(campaign)).content.decode()

    assert "<strong>Sending</strong>" in page
    assert "1 of 2 are not sent yet" in page
    assert REFRESH in page
    assert CANCEL_FORM in page
    assert 'name="csrfmiddlewaretoken"' in page
    assert f'action="/emails/campaigns/{campaign.id}/cancel/"' in page
    # No inline script: the reload is a meta refresh (the Content-Security-Policy allows no inline script).
    assert "<script" not in page


def test_a_finished_campaign_neither_reloads_nor_offers_cancel(staff_user):
    campaign = campaign_with_emails(EmailCampaign.Status.DONE, Email.Status.SENT)

    page = logged_in(staff_user).get(page_url(campaign)).content.decode()

    assert "<strong>Done</strong>" in page
    assert REFRESH not in page
    assert CANCEL_FORM not in page


def test_staff_who_may_only_view_see_no_cancel_button(db):
    campaign = campaign_with_emails(EmailCampaign.Status.SENDING, Email.Status.SENDING)
    viewer = BaseUserFactory.create(is_staff=True, permissions=["campaigns.view_emailcampaign"])

    page = logged_in(viewer).get(page_url(campaign)).content.decode()

    assert "<strong>Queueing its emails</strong>" in page
    assert CANCEL_FORM not in page


def test_the_cancel_button_cancels_and_the_page_shows_the_counts(staff_user):
    campaign = campaign_with_emails(
        EmailCampaign.Status.SENDING, Email.Status.SENT, Email.Status.SENDING, Email.Status.READY
    )
    client = logged_in(staff_user)

    response = client.post(f"/emails/campaigns/{campaign.id}/cancel/", follow=True)

    assert response.redirect_chain == [(page_url(campaign), 302)]
    page = response.content.decode()
    assert "Cancelled: 1 of its emails had been sent; 2 will never be sent." in page
    assert "<strong>Cancelled</strong>" in page
    assert '<tr><th scope="row">CANCELLED</th><td>2</td></tr>' in page
    assert REFRESH not in page
    assert CANCEL_FORM not in page
    campaign.refresh_from_db()
    assert campaign.status == EmailCampaign.Status.CANCELLED


def test_cancelling_a_finished_campaign_shows_why_not(staff_user):
    campaign = campaign_with_emails(EmailCampaign.Status.DONE, Email.Status.SENT)

    response = logged_in(staff_user).post(f"/emails/campaigns/{campaign.id}/cancel/", follow=True)

    assert "there is nothing to cancel" in response.content.decode()
    campaign.refresh_from_db()
    assert campaign.status == EmailCampaign.Status.DONE


def test_the_cancel_needs_the_change_permission_and_a_csrf_token(staff_user):
    campaign = campaign_with_emails(EmailCampaign.Status.SENDING, Email.Status.SENDING)
    viewer = BaseUserFactory.create(is_staff=True, permissions=["campaigns.view_emailcampaign"])
    with_csrf_checks = Client(enforce_csrf_checks=True)
    with_csrf_checks.force_login(staff_user)

    assert logged_in(viewer).post(f"/emails/campaigns/{campaign.id}/cancel/").status_code == 403
    assert with_csrf_checks.post(f"/emails/campaigns/{campaign.id}/cancel/").status_code == 403
    assert logged_in(staff_user).get(f"/emails/campaigns/{campaign.id}/cancel/").status_code == 405
    campaign.refresh_from_db()
    assert campaign.status == EmailCampaign.Status.SENDING


def test_an_unknown_campaign_is_a_404(staff_user):
    assert logged_in(staff_user).post("/emails/campaigns/424242/cancel/").status_code == 404
