"""Unsubscribing from campaigns: each campaign email carries the one-click headers and a link that works,
and whoever unsubscribes is left out of later campaigns and of the chunks of a running one not yet built."""

import re
from email import message_from_bytes
from email.policy import default

import pytest
from django.core import mail
from django.test import Client
from django.utils import timezone

from styleguide_project.campaigns.models import EmailCampaign
from styleguide_project.campaigns.selectors import email_campaign_email_list, email_campaign_recipient_list
from styleguide_project.campaigns.services import email_campaign_send
from styleguide_project.campaigns.tests.factories import EmailCampaignFactory
from styleguide_project.users.models import BaseUser
from styleguide_project.users.services import (
    user_email_verification_send,
    user_password_reset_send,
    user_unsubscribe_link,
)
from styleguide_project.users.tests.factories import BaseUserFactory

pytestmark = pytest.mark.django_db
SITE_URL = "https://api.example.com"
HEADER = re.compile(r"\A<(https://api\.example\.com(/users/unsubscribe/[^/>]+/))>\Z")


@pytest.fixture(autouse=True)
def _site(settings):
    settings.SITE_URL = SITE_URL
    settings.EMAIL_UNSUBSCRIBE_MAILTO = ""


def sending():
    return EmailCampaignFactory.create(status=EmailCampaign.Status.SENDING, subject="News", plain_text="What is new.")


def send(campaign, django_capture_on_commit_callbacks, **kwargs):
    with django_capture_on_commit_callbacks(execute=True):
        return email_campaign_send(campaign=campaign, **kwargs)


def test_each_email_carries_the_one_click_headers_and_its_link_unsubscribes(django_capture_on_commit_callbacks):
    ada, bob = BaseUserFactory.create_batch(2, onboarded_at=timezone.now())

    send(sending(), django_capture_on_commit_callbacks)

    by_address = {message.to[0]: message for message in mail.outbox}
    assert set(by_address) == {ada.email, bob.email}
    found = {}
    for address, message in by_address.items():
        headers = message.extra_headers
        assert headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
        matched = HEADER.match(headers["List-Unsubscribe"])
        assert matched is not None, headers
        # The same link in both bodies, for readers whose mail client shows no button.
        assert matched.group(1) in message.body
        # An EmailMultiAlternatives: the HTML body is its one alternative.
        [(html, _)] = message.alternatives  # type: ignore[attr-defined]
        assert matched.group(1) in html
        found[address] = matched.group(2)
    assert found[ada.email] != found[bob.email]
    # The message as it goes on the wire has both fields, as a mail provider reads them back.
    wire = message_from_bytes(by_address[ada.email].message().as_bytes(), policy=default)
    # (folded before a long value: a reader unfolds it, and the space before the value is not part of it)
    assert wire["List-Unsubscribe"].strip() == f"<{SITE_URL}{found[ada.email]}>"
    assert wire["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"

    # The mail provider's one-click POST, with no cookie: Ada's link unsubscribes Ada only.
    response = Client(enforce_csrf_checks=True).post(
        found[ada.email], "List-Unsubscribe=One-Click", content_type="application/x-www-form-urlencoded"
    )

    assert response.status_code == 200
    assert dict(BaseUser.objects.values_list("email", "receives_campaigns")) == {ada.email: False, bob.email: True}


def test_a_later_campaign_leaves_out_who_unsubscribed(django_capture_on_commit_callbacks):
    ada, bob = BaseUserFactory.create_batch(2, onboarded_at=timezone.now())
    BaseUser.objects.filter(id=ada.id).update(receives_campaigns=False)
    campaign = sending()

    assert list(email_campaign_recipient_list(campaign=campaign)) == [bob]
    campaign = send(campaign, django_capture_on_commit_callbacks)

    assert [m.to for m in mail.outbox] == [[bob.email]]
    assert [e.to for e in email_campaign_email_list(campaign=campaign)] == [bob.email]
    assert campaign.status == EmailCampaign.Status.DONE


def test_who_unsubscribes_while_a_campaign_sends_gets_none_of_its_later_chunks(
    settings, django_capture_on_commit_callbacks
):
    settings.EMAIL_CAMPAIGN_CHUNK_SIZE = 1
    first, second, third = BaseUserFactory.create_batch(3, onboarded_at=timezone.now())
    seen = []

    def third_unsubscribes_after_the_first_chunk(current, total, description):
        seen.append((current, total))
        if current == 1:
            # With the link of an earlier campaign's email: the same link.
            path = user_unsubscribe_link(user=third).removeprefix(SITE_URL)
            assert Client().post(path, {"List-Unsubscribe": "One-Click"}).status_code == 200

    campaign = send(sending(), django_capture_on_commit_callbacks, on_progress=third_unsubscribes_after_the_first_chunk)

    assert [m.to[0] for m in mail.outbox] == [first.email, second.email]
    # The third chunk was built without them: nothing queued, and the campaign is done.
    assert seen == [(0, 3), (1, 3), (2, 3), (2, 3)]
    assert campaign.status == EmailCampaign.Status.DONE


def test_account_emails_still_reach_an_unsubscribed_user_without_the_headers(django_capture_on_commit_callbacks):
    ada = BaseUserFactory.create(onboarded_at=timezone.now(), receives_campaigns=False)
    bob = BaseUserFactory.create(email_verified_at=None, receives_campaigns=False)

    with django_capture_on_commit_callbacks(execute=True):
        reset = user_password_reset_send(email=ada.email, site_url="https://api.example.com/")
        verification = user_email_verification_send(user=bob)

    assert reset is not None
    assert reset.headers == verification.headers == {}
    assert sorted(m.to[0] for m in mail.outbox) == sorted([ada.email, bob.email])
    for message in mail.outbox:
        assert "List-Unsubscribe" not in message.message().as_string()
