import pytest
from django.contrib.messages import get_messages
from django.test import Client

from styleguide_project.campaigns.models import EmailCampaign
from styleguide_project.campaigns.tests.factories import EmailCampaignFactory, EmailCampaignRecipientFactory
from styleguide_project.emails.models import Email
from styleguide_project.users.tests.factories import BaseUserFactory

pytestmark = pytest.mark.django_db
URL = "/admin/campaigns/emailcampaign/"


def run_action(client, ids):
    return client.post(URL, {"action": "send_selected", "_selected_action": [str(i) for i in ids]})


def test_sending_one_campaign_redirects_to_its_progress_page(superuser_client):
    campaign = EmailCampaignFactory.create()

    response = run_action(superuser_client, [campaign.id])

    campaign.refresh_from_db()
    assert campaign.status == EmailCampaign.Status.SENDING
    assert response.status_code == 302
    assert response["Location"] == f"/tasks/{campaign.task_id}/progress/"


def test_more_than_one_is_refused(superuser_client):
    campaigns = EmailCampaignFactory.create_batch(2)

    response = run_action(superuser_client, [c.id for c in campaigns])

    assert [str(m) for m in get_messages(response.wsgi_request)] == ["Select exactly one campaign to send."]
    assert set(EmailCampaign.objects.values_list("status", flat=True)) == {EmailCampaign.Status.DRAFT}


def test_a_campaign_already_done_is_refused_with_the_reason(superuser_client):
    campaign = EmailCampaignFactory.create(status=EmailCampaign.Status.DONE)

    response = run_action(superuser_client, [campaign.id])

    assert [str(m) for m in get_messages(response.wsgi_request)] == [
        "This campaign is DONE; only a draft or a failed campaign can be sent."
    ]


def test_the_list_and_a_sent_campaign_render(superuser_client):
    campaign = EmailCampaignFactory.create(status=EmailCampaign.Status.DONE, task_id="abc")

    assert superuser_client.get(URL).status_code == 200
    page = superuser_client.get(f"{URL}{campaign.id}/change/").content.decode()
    assert 'href="/tasks/abc/progress/"' in page
    # What was sent can no longer be edited.
    assert 'name="subject"' not in page


def test_adding_a_draft_records_its_author(superuser_client):
    response = superuser_client.post(f"{URL}add/", {"subject": "News", "plain_text": "Hello"})

    assert response.status_code == 302
    campaign = EmailCampaign.objects.select_related("created_by").get()
    assert campaign.status == EmailCampaign.Status.DRAFT
    assert campaign.created_by is not None
    assert campaign.created_by.is_superuser


@pytest.mark.parametrize("rows", [2, 12])
def test_changelist_query_count_does_not_grow_with_the_rows(superuser_client, django_assert_num_queries, rows):
    # given: campaigns written by users of their own, each with emails
    for _ in range(rows):
        campaign = EmailCampaignFactory.create(created_by=BaseUserFactory.create(), status=EmailCampaign.Status.DONE)
        EmailCampaignRecipientFactory.create_batch(2, campaign=campaign)

    # when
    with django_assert_num_queries(5) as captured:
        response = superuser_client.get(URL)

    # then: the session, the user, two COUNTs and the page, with each row's
    # author and email count, at 2 rows as at 12
    assert response.status_code == 200
    assert response.context["cl"].result_count == rows
    counts = [query["sql"] for query in captured.captured_queries if "COUNT(*)" in query["sql"]]
    # Counting campaigns does not go through their emails.
    assert len(counts) == 2
    assert not any("emails_email" in sql.replace("emails_emailcampaign", "") for sql in counts)


def test_changelist_shows_each_campaigns_email_count_and_author(superuser_client):
    author = BaseUserFactory.create(email="author@example.com")
    with_emails = EmailCampaignFactory.create(created_by=author)
    EmailCampaignRecipientFactory.create_batch(3, campaign=with_emails)
    without_emails = EmailCampaignFactory.create()

    page = superuser_client.get(URL).content.decode()

    assert f'?campaign__id__exact={with_emails.id}">3</a>' in page
    assert f'?campaign__id__exact={without_emails.id}">0</a>' in page
    assert "author@example.com" in page


def test_staff_who_may_view_and_change_campaigns_but_not_add_cannot_send_one(client):
    campaign = EmailCampaignFactory.create()
    client.force_login(
        BaseUserFactory.create(
            is_staff=True, permissions=["campaigns.view_emailcampaign", "campaigns.change_emailcampaign"]
        )
    )

    listing = client.get(URL)
    run_action(client, [campaign.id])

    assert "send_selected" not in listing.content.decode()
    campaign.refresh_from_db()
    assert campaign.status == EmailCampaign.Status.DRAFT


def test_staff_with_the_add_permission_send_one(client):
    campaign = EmailCampaignFactory.create()
    client.force_login(
        BaseUserFactory.create(
            is_staff=True, permissions=["campaigns.view_emailcampaign", "campaigns.add_emailcampaign"]
        )
    )

    response = run_action(client, [campaign.id])

    campaign.refresh_from_db()
    assert (response.status_code, campaign.status) == (302, EmailCampaign.Status.SENDING)


def test_cancelling_selected_campaigns_says_what_happened_to_each(superuser_client):
    sending = EmailCampaignFactory.create(status=EmailCampaign.Status.SENDING)
    EmailCampaignRecipientFactory.create(campaign=sending, email__status=Email.Status.SENT)
    EmailCampaignRecipientFactory.create(campaign=sending, email__status=Email.Status.SENDING)
    done = EmailCampaignFactory.create(status=EmailCampaign.Status.DONE)

    response = superuser_client.post(
        URL, {"action": "cancel_selected", "_selected_action": [str(sending.id), str(done.id)]}
    )

    assert response.status_code == 302
    assert [str(m) for m in get_messages(response.wsgi_request)] == [
        f"Campaign {sending.id} cancelled: 1 of its emails had been sent; 1 will never be sent.",
        f"Campaign {done.id}: This campaign is done: each of its emails was sent or cancelled; "
        "there is nothing to cancel.",
    ]
    sending.refresh_from_db()
    assert sending.status == EmailCampaign.Status.CANCELLED


def test_copying_one_campaign_opens_the_new_draft(superuser_client):
    campaign = EmailCampaignFactory.create(status=EmailCampaign.Status.CANCELLED, subject="News")

    response = superuser_client.post(URL, {"action": "copy_selected", "_selected_action": [str(campaign.id)]})

    copy = EmailCampaign.objects.exclude(id=campaign.id).get()
    assert (copy.status, copy.subject) == (EmailCampaign.Status.DRAFT, "News")
    assert response["Location"] == f"{URL}{copy.id}/change/"


def test_the_cancel_action_needs_the_change_permission(db):
    viewer = BaseUserFactory.create(is_staff=True, permissions=["campaigns.view_emailcampaign"])
    client = Client()
    client.force_login(viewer)

    page = client.get(URL).content.decode()

    assert 'value="cancel_selected"' not in page
    assert 'value="copy_selected"' not in page
