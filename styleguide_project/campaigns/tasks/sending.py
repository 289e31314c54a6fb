from typing import Any

from celery import Task, shared_task
from celery.utils.log import get_task_logger
from django.urls import reverse

from styleguide_project.campaigns.models import EmailCampaign
from styleguide_project.campaigns.selectors import email_campaign_get
from styleguide_project.task_progress.recorders import TaskProgressRecorder
from styleguide_project.tasks.app.base import ProjectTask

logger = get_task_logger(__name__)


def _email_campaign_send_failure(
    self: Task, exc: BaseException, task_id: str, args: tuple[Any, ...], kwargs: dict[str, Any], einfo: Any
) -> None:
    campaign = email_campaign_get(campaign_id=kwargs["campaign_id"])
    if campaign is None:
        return

    from styleguide_project.campaigns.services import email_campaign_failed

    email_campaign_failed(campaign=campaign, error=f"{type(exc).__name__}: {exc}")


def _email_campaign_send_replay(self: Task, *, kwargs: dict[str, Any], task_id: str) -> None:
    # The replay of a dead letter sends the campaign again from where it stopped.
    from styleguide_project.campaigns.services import email_campaign_reopen

    email_campaign_reopen(campaign_id=kwargs["campaign_id"], task_id=task_id)


def _campaign_page(campaign_id: int) -> str:
    return reverse("campaigns:detail", kwargs={"campaign_id": campaign_id})


# The name is the one this task had when campaigns lived in the emails app, and
# stays so: it is what a message waiting in the broker, an outbox row, a dead
# letter, a task-ownership row and a stored result carry, and a run is found by
# it. Renamed, the runs queued before a deploy (and dead letters replayed after
# it) would name a task no worker knows.
@shared_task(
    bind=True,
    base=ProjectTask,
    name="emails.email_campaign_send",
    on_failure=_email_campaign_send_failure,
    on_replay=_email_campaign_send_replay,
)
def email_campaign_send(self: ProjectTask, *, campaign_id: int) -> dict[str, Any] | None:
    """Create and queue a campaign's emails, reporting progress; the result's `redirect` is the campaign's page."""
    campaign = email_campaign_get(campaign_id=campaign_id)
    if campaign is None:
        logger.info("Campaign %s no longer exists; nothing to send.", campaign_id)
        return None
    if campaign.status != EmailCampaign.Status.SENDING:
        logger.info("Campaign %s is %s, not SENDING; nothing to send.", campaign_id, campaign.status)
        return {"redirect": _campaign_page(campaign.id), "campaign_id": campaign.id, "status": campaign.status}

    from styleguide_project.campaigns.services import email_campaign_send

    recorder = TaskProgressRecorder(self)
    # Between chunks it stops if this run was cancelled (the kit's checkpoint).
    campaign = email_campaign_send(campaign=campaign, on_progress=recorder.set_progress, is_cancelled=self.is_cancelled)
    return {"redirect": _campaign_page(campaign.id), "campaign_id": campaign.id, "status": campaign.status}
