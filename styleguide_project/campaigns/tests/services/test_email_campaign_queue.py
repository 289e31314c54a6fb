import pytest

from styleguide_project.campaigns.models import EmailCampaign
from styleguide_project.campaigns.services import email_campaign_launch, email_campaign_queue
from styleguide_project.campaigns.tests.factories import EmailCampaignFactory
from styleguide_project.core.exceptions import ApplicationError
from styleguide_project.task_progress.models import TaskOwnership
from styleguide_project.tasks.app.celery import app as celery_app

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("status", [EmailCampaign.Status.DRAFT, EmailCampaign.Status.FAILED])
def test_queues_a_run_owned_by_the_user(staff_user, status, django_capture_on_commit_callbacks):
    campaign = EmailCampaignFactory.create(status=status, last_error="boom")

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        campaign = email_campaign_queue(campaign=campaign, user=staff_user)

    assert (campaign.status, campaign.last_error) == (EmailCampaign.Status.SENDING, "")
    ownership = TaskOwnership.objects.get(task_id=campaign.task_id)
    assert (ownership.user, ownership.task_name) == (staff_user, "emails.email_campaign_send")
    assert len(callbacks) == 1


@pytest.mark.parametrize(
    "status", [EmailCampaign.Status.SENDING, EmailCampaign.Status.DONE, EmailCampaign.Status.CANCELLED]
)
def test_a_campaign_sending_done_or_cancelled_is_not_queued_again(
    staff_user, status, django_capture_on_commit_callbacks
):
    campaign = EmailCampaignFactory.create(status=status)

    with django_capture_on_commit_callbacks(execute=True) as callbacks, pytest.raises(ApplicationError, match=status):
        email_campaign_queue(campaign=campaign, user=staff_user)

    assert callbacks == []
    assert TaskOwnership.objects.count() == 0


def test_launch_creates_and_runs_it_on_commit(staff_user, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        campaign = email_campaign_launch(created_by=staff_user, subject="News", plain_text="Hello")

    campaign.refresh_from_db()
    assert (campaign.status, campaign.created_by) == (EmailCampaign.Status.DONE, staff_user)
    result = celery_app.AsyncResult(campaign.task_id)
    assert result.state == "SUCCESS"
    assert result.get()["redirect"] == f"/emails/campaigns/{campaign.id}/"


def test_a_subject_on_two_lines_is_refused(staff_user):
    with pytest.raises(Exception, match="single line"):
        email_campaign_launch(created_by=staff_user, subject="News\nBcc: everyone@example.com", plain_text="Hello")

    assert EmailCampaign.objects.count() == 0
