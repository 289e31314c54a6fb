"""One-click unsubscribe end to end: campaign emails from a real worker, a plain HTTP POST, the next campaign.

A celery worker sends a campaign to an SMTP sink; each email carries
`List-Unsubscribe` (this server's link and a mailto address) and
`List-Unsubscribe-Post`. A plain HTTP client, as a mail provider, POSTs the
exact RFC 8058 body to one user's link on a real HTTP server (Django's live
server), with no cookie. The next campaign reaches everyone else. While that
campaign sends, one chunk at a time, another user unsubscribes: the fault
lands mid-campaign, and the chunks built after it leave that user out.
"""

import re
import time
import urllib.request
from email.message import Message
from http.client import HTTPResponse

import pytest
from django.conf import settings
from django.utils import timezone

from styleguide_project.campaigns.models import EmailCampaign, EmailCampaignRecipient
from styleguide_project.campaigns.selectors import email_campaign_email_list
from styleguide_project.campaigns.services import email_campaign_launch
from styleguide_project.emails.models import Email
from styleguide_project.users.models import BaseUser
from styleguide_project.users.tests.factories import BaseUserFactory
from testing.processes import wait_until
from testing.reports import report

pytestmark = [pytest.mark.integration, pytest.mark.slow]

MAILTO = "unsubscribe@mysite.org"
ONE_CLICK = b"List-Unsubscribe=One-Click"


def header(message: Message, name: str) -> str:
    """A header's value as a reader sees it: unfolded, without the space before it."""
    return re.sub(r"\r?\n[ \t]", " ", str(message.get(name, ""))).strip()


def campaign_messages(sink, subject: str) -> dict[str, Message]:
    return {m.to[0]: m.message for m in list(sink.messages) if m.subject == subject}


def delivered(campaign: EmailCampaign) -> bool:
    campaign.refresh_from_db()
    unsent = email_campaign_email_list(campaign=campaign).exclude(status=Email.Status.SENT)
    return campaign.status == EmailCampaign.Status.DONE and not unsent.exists()


def one_click(link: str) -> HTTPResponse:
    """What a mail provider sends (RFC 8058, section 3.2): a POST of the one-click body, no cookie."""
    request = urllib.request.Request(  # noqa: S310 - the live server's http URL
        link, data=ONE_CLICK, method="POST", headers={"Content-Type": "application/x-www-form-urlencoded"}
    )
    response: HTTPResponse = urllib.request.urlopen(request, timeout=10)  # noqa: S310
    return response


def test_a_one_click_unsubscribe_keeps_the_user_out_of_later_campaigns(
    celery_worker, smtp_sink, live_server, staff_user
):
    # given: four users who receive campaigns, a worker whose links lead to the live server
    ada, bob, cy, dan = (
        BaseUserFactory.create(email=f"{name}@example.com", onboarded_at=timezone.now())
        for name in ("ada", "bob", "cy", "dan")
    )
    celery_worker(
        env={
            "SITE_URL": live_server.url,
            "EMAIL_UNSUBSCRIBE_MAILTO": MAILTO,
            # The worker signs the links and the live server checks them: one key, as deployed.
            "DJANGO_SECRET_KEY": settings.SECRET_KEY,
            # A chunk per user, a second apart: the second campaign is still sending when dan unsubscribes.
            "EMAIL_CAMPAIGN_CHUNK_SIZE": "1",
            "EMAIL_CAMPAIGN_CHUNK_PAUSE_SECONDS": "1",
        }
    )
    everyone = {user.email for user in (ada, bob, cy, dan)}

    spring = email_campaign_launch(created_by=staff_user, subject="Spring", plain_text="What is new.")
    wait_until(lambda: delivered(spring), timeout=60, interval=0.2, what="the first campaign delivered")
    first = campaign_messages(smtp_sink, "Spring")
    assert set(first) == everyone
    link = rf"<({re.escape(live_server.url)}/users/unsubscribe/[^/>]+/)>"
    link_and_mailto = rf"{link}, <mailto:{re.escape(MAILTO)}\?subject=unsubscribe>"
    links = {}
    for address, message in first.items():
        assert header(message, "List-Unsubscribe-Post") == "List-Unsubscribe=One-Click"
        found = re.fullmatch(link_and_mailto, header(message, "List-Unsubscribe"))
        assert found is not None, header(message, "List-Unsubscribe")
        links[address] = found.group(1)

    # when: a mail provider follows ada's one-click, and a mail scanner opens bob's link
    clicked = one_click(links[ada.email])
    scanned = urllib.request.urlopen(links[bob.email], timeout=10)  # noqa: S310

    assert clicked.status == scanned.status == 200
    assert clicked.headers.get("Set-Cookie") is None
    assert b'id="unsubscribe-done"' in clicked.read()
    assert dict(BaseUser.objects.filter(email__in=everyone).values_list("email", "receives_campaigns")) == {
        ada.email: False,
        bob.email: True,
        cy.email: True,
        dan.email: True,
    }
    # A provider that retries answers the same.
    assert one_click(links[ada.email]).status == 200

    summer = email_campaign_launch(created_by=staff_user, subject="Summer", plain_text="More news.")
    # The fault, during the work: once the campaign's first email is out, dan unsubscribes too.
    wait_until(lambda: campaign_messages(smtp_sink, "Summer"), timeout=60, interval=0.02, what="summer's first email")
    sent_before = sorted(campaign_messages(smtp_sink, "Summer"))
    built_before = sorted(EmailCampaignRecipient.objects.filter(campaign=summer).values_list("address", flat=True))
    started = time.monotonic()
    assert one_click(links[dan.email]).status == 200
    click_seconds = time.monotonic() - started
    wait_until(lambda: delivered(summer), timeout=60, interval=0.2, what="the second campaign delivered")

    # then: ada got nothing of it; dan got nothing from the chunks built after the click
    second = campaign_messages(smtp_sink, "Summer")
    report(
        "one-click unsubscribe during a campaign",
        f"dan's POST landed after {len(built_before)} of the campaign's emails were built ({built_before}) and "
        f"{len(sent_before)} delivered, in {click_seconds:.3f} s; the campaign then reached {sorted(second)}",
    )
    assert dan.email not in built_before, "the click landed after dan's chunk was built: the pause is too short"
    assert set(second) == {bob.email, cy.email}
    assert sorted(email_campaign_email_list(campaign=summer).values_list("to", flat=True)) == [bob.email, cy.email]
    for message in second.values():
        assert header(message, "List-Unsubscribe-Post") == "List-Unsubscribe=One-Click"
        assert header(message, "List-Unsubscribe").startswith(f"<{live_server.url}/users/unsubscribe/")
    # Each email once at the sink.
    message_ids = [m.message_id for m in smtp_sink.messages]
    assert len(message_ids) == len(set(message_ids)) == 4 + 2
