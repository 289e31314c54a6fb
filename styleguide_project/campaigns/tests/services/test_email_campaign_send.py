import pytest
from django.core import mail
from django.db import connection
from django.utils import timezone

from styleguide_project.campaigns.models import EmailCampaign
from styleguide_project.campaigns.selectors import email_campaign_email_list
from styleguide_project.campaigns.services import email_campaign_send
from styleguide_project.campaigns.tests.factories import EmailCampaignFactory, EmailCampaignRecipientFactory
from styleguide_project.emails.models import Email
from styleguide_project.users.tests.factories import BaseUserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def onboarded():
    def create(count):
        return BaseUserFactory.create_batch(count, onboarded_at=timezone.now())

    return create


def test_emails_every_onboarded_active_user_a_chunk_at_a_time(settings, onboarded, django_capture_on_commit_callbacks):
    settings.EMAIL_CAMPAIGN_CHUNK_SIZE = 2
    users = onboarded(5)
    BaseUserFactory.create()  # not onboarded
    BaseUserFactory.create(onboarded_at=timezone.now(), is_active=False)
    BaseUserFactory.create(onboarded_at=timezone.now(), email_verified_at=None)
    campaign = EmailCampaignFactory.create(
        status=EmailCampaign.Status.SENDING, subject="Q&A <tonight>", plain_text="Fish & chips"
    )
    seen = []

    with django_capture_on_commit_callbacks(execute=True):
        campaign = email_campaign_send(campaign=campaign, on_progress=lambda *args: seen.append(args))

    assert seen == [
        (0, 5, "Starting: 5 users to email"),
        (2, 5, "Queued 2 of 5 emails"),
        (4, 5, "Queued 4 of 5 emails"),
        (5, 5, "Queued 5 of 5 emails"),
    ]
    assert campaign.status == EmailCampaign.Status.DONE
    assert campaign.finished_at is not None
    emails = email_campaign_email_list(campaign=campaign)
    assert sorted(e.to for e in emails) == sorted(u.email for u in users)
    # Bulk emails, queued through email_send_all and sent by the (eager) email_send_batch task.
    assert set(emails.values_list("status", "bulk")) == {(Email.Status.SENT, True)}
    assert sorted(m.to[0] for m in mail.outbox) == sorted(u.email for u in users)
    # Text templates are not HTML-escaped; the HTML body is.
    assert {m.subject for m in mail.outbox} == {"Q&A <tonight>"}
    assert all(m.body.startswith("Fish & chips\n") for m in mail.outbox)
    assert all("<p>Fish &amp; chips</p>" in e.html for e in emails)


@pytest.mark.django_db(transaction=True)
def test_each_chunk_commits_before_its_progress_is_reported(settings, onboarded):
    # Real commits (no test transaction around it): each chunk's on_commit
    # sends its emails (eagerly) before the progress that follows it.
    settings.EMAIL_CAMPAIGN_CHUNK_SIZE = 2
    onboarded(3)
    campaign = EmailCampaignFactory.create(status=EmailCampaign.Status.SENDING)
    reports = []

    def report(current, total, description):
        sent = email_campaign_email_list(campaign=campaign).filter(status=Email.Status.SENT).count()
        reports.append((current, connection.in_atomic_block, sent))

    email_campaign_send(campaign=campaign, on_progress=report)

    assert reports == [(0, False, 0), (2, False, 2), (3, False, 3)]


def test_a_failed_campaign_sent_again_skips_who_already_has_it(settings, onboarded, django_capture_on_commit_callbacks):
    settings.EMAIL_CAMPAIGN_CHUNK_SIZE = 10
    first, *rest = onboarded(3)
    campaign = EmailCampaignFactory.create(status=EmailCampaign.Status.SENDING)
    EmailCampaignRecipientFactory.create(campaign=campaign, email__to=first.email, email__status=Email.Status.SENT)
    seen = []

    with django_capture_on_commit_callbacks(execute=True):
        email_campaign_send(campaign=campaign, on_progress=lambda *args: seen.append(args))

    assert seen == [(1, 3, "Starting: 2 users to email"), (3, 3, "Queued 3 of 3 emails")]
    assert email_campaign_email_list(campaign=campaign).filter(to=first.email).count() == 1
    assert sorted(m.to[0] for m in mail.outbox) == sorted(u.email for u in rest)


def test_nobody_to_email_finishes_at_once(django_capture_on_commit_callbacks):
    campaign = EmailCampaignFactory.create(status=EmailCampaign.Status.SENDING)
    seen = []

    campaign = email_campaign_send(campaign=campaign, on_progress=lambda *args: seen.append(args))

    assert seen == [(0, 0, "Starting: 0 users to email")]
    assert campaign.status == EmailCampaign.Status.DONE


def test_a_campaign_no_longer_sending_stops_before_the_next_chunk(settings, onboarded):
    settings.EMAIL_CAMPAIGN_CHUNK_SIZE = 1
    onboarded(3)
    campaign = EmailCampaignFactory.create(status=EmailCampaign.Status.SENDING)

    def fail_after_first_chunk(current, total, description):
        if current == 1:
            EmailCampaign.objects.filter(id=campaign.id).update(status=EmailCampaign.Status.FAILED)

    campaign = email_campaign_send(campaign=campaign, on_progress=fail_after_first_chunk)

    assert campaign.status == EmailCampaign.Status.FAILED
    assert email_campaign_email_list(campaign=campaign).count() == 1
