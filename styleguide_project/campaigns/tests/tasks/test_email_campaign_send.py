import json

import pytest
from django.db.models.signals import post_save
from django.utils import timezone
from django_celery_results.models import TaskResult

from styleguide_project.campaigns.models import EmailCampaign
from styleguide_project.campaigns.selectors import email_campaign_email_list
from styleguide_project.campaigns.tasks import email_campaign_send as email_campaign_send_task
from styleguide_project.campaigns.tests.factories import EmailCampaignFactory
from styleguide_project.tasks.outbox.models import DeadLetter
from styleguide_project.tasks.outbox.services.dead_letters import dead_letter_replay
from styleguide_project.users.tests.factories import BaseUserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def stored_states():
    """(status, result) of every write to the result backend while the test runs: what a poller could see."""
    writes = []

    def record(sender, instance, **kwargs):
        writes.append((instance.status, json.loads(instance.result) if instance.result else None))

    post_save.connect(record, sender=TaskResult, weak=False)
    yield writes
    post_save.disconnect(record, sender=TaskResult)


def test_reports_progress_chunk_by_chunk_and_redirects_to_the_campaign(settings, stored_states):
    settings.EMAIL_CAMPAIGN_CHUNK_SIZE = 2
    BaseUserFactory.create_batch(5, onboarded_at=timezone.now())
    campaign = EmailCampaignFactory.create(status=EmailCampaign.Status.SENDING)

    result = email_campaign_send_task.delay(campaign_id=campaign.id)

    own = [(status, value) for status, value in stored_states if status in ("PROGRESS", "SUCCESS")]
    progress = [(v["current"], v["total"], v["percent"], v["description"]) for s, v in own if s == "PROGRESS"]
    assert progress == [
        (0, 5, 0, "Starting: 5 users to email"),
        (2, 5, 40.0, "Queued 2 of 5 emails"),
        (4, 5, 80.0, "Queued 4 of 5 emails"),
        (5, 5, 100.0, "Queued 5 of 5 emails"),
    ]
    expected = {"redirect": f"/emails/campaigns/{campaign.id}/", "campaign_id": campaign.id}
    assert own[-1] == ("SUCCESS", {**expected, "status": "DONE"})
    assert result.get() == {**expected, "status": "DONE"}


@pytest.mark.task_failure_expected
def test_a_failure_marks_the_campaign_failed_with_the_error(settings, tmp_path):
    # A campaign template that cannot render: the task fails after no email was created.
    (tmp_path / "emails" / "campaign").mkdir(parents=True)
    (tmp_path / "emails" / "campaign" / "subject.txt").write_text("{% if %}")
    settings.TEMPLATES = [{**settings.TEMPLATES[0], "DIRS": [tmp_path]}]
    BaseUserFactory.create(onboarded_at=timezone.now())
    campaign = EmailCampaignFactory.create(status=EmailCampaign.Status.SENDING)

    with pytest.raises(Exception, match="Unexpected end of expression"):
        email_campaign_send_task.delay(campaign_id=campaign.id)

    campaign.refresh_from_db()
    assert campaign.status == EmailCampaign.Status.FAILED
    assert campaign.last_error.startswith("TemplateSyntaxError: Unexpected end of expression")
    assert email_campaign_email_list(campaign=campaign).count() == 0


def test_a_deleted_campaign_ends_quietly(caplog):
    assert email_campaign_send_task.delay(campaign_id=424242).get() is None
    assert "Campaign 424242 no longer exists" in caplog.text


def test_a_campaign_not_sending_is_left_alone_and_still_redirects():
    campaign = EmailCampaignFactory.create(status=EmailCampaign.Status.DONE)

    result = email_campaign_send_task.delay(campaign_id=campaign.id).get()

    assert result["redirect"] == f"/emails/campaigns/{campaign.id}/"
    assert result["status"] == "DONE"


@pytest.mark.task_failure_expected
def test_a_failed_campaign_is_sent_by_replaying_its_dead_letter(settings, tmp_path, django_capture_on_commit_callbacks):
    # given: a campaign whose template cannot render, failed for good
    working_templates = settings.TEMPLATES
    (tmp_path / "emails" / "campaign").mkdir(parents=True)
    (tmp_path / "emails" / "campaign" / "subject.txt").write_text("{% if %}")
    settings.TEMPLATES = [{**settings.TEMPLATES[0], "DIRS": [tmp_path]}]
    users = BaseUserFactory.create_batch(2, onboarded_at=timezone.now())
    campaign = EmailCampaignFactory.create(status=EmailCampaign.Status.SENDING)
    with pytest.raises(Exception, match="Unexpected end of expression"):
        email_campaign_send_task.delay(campaign_id=campaign.id)
    letter = DeadLetter.objects.get(task_name="emails.email_campaign_send")

    # when: the template is fixed and the letter replayed
    settings.TEMPLATES = working_templates
    with django_capture_on_commit_callbacks(execute=True):
        replayed = dead_letter_replay(dead_letter=letter)

    # then: the campaign ran again under the new id and reached everyone
    campaign.refresh_from_db()
    assert campaign.status == EmailCampaign.Status.DONE
    assert campaign.task_id == replayed.replayed_as
    emails = email_campaign_email_list(campaign=campaign)
    assert sorted(emails.values_list("to", flat=True)) == sorted(user.email for user in users)
