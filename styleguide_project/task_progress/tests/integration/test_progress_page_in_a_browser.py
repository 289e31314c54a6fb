"""The progress page end to end: a browser, Django's live server, a real worker on Redis and PostgreSQL.

Set STYLEGUIDE_PROGRESS_SCREENSHOT=docs/progress-page.png to save a picture
of the page mid-way (the one in the README is made this way).
"""

import os
import re
import time

import pytest
from django.urls import reverse
from django.utils import timezone

from styleguide_project.campaigns.models import EmailCampaign
from styleguide_project.task_progress.services import task_enqueue_for_user
from styleguide_project.task_progress.tests import probe_tasks
from styleguide_project.task_progress.tests.integration.browser import (
    chromium_page,
    intermediate_percents,
    log_in,
    outside_the_browser_loop,
)
from styleguide_project.users.tests.factories import TEST_PASSWORD, BaseUserFactory
from testing.processes import ROOT

pytestmark = pytest.mark.integration

MID_WAY = """() => {
  const value = Number(document.getElementById("progress-bar")?.getAttribute("aria-valuenow"));
  return value > 0 && value < 100;
}"""


def test_a_campaign_shows_its_bar_advancing_then_lands_on_the_campaign(celery_worker, live_server, tmp_path):
    # given: six users to email, two per chunk, two seconds between chunks
    staff = BaseUserFactory.create(
        is_staff=True, permissions=["campaigns.add_emailcampaign", "campaigns.view_emailcampaign"]
    )
    BaseUserFactory.create_batch(6, onboarded_at=timezone.now())
    celery_worker(env={"EMAIL_CAMPAIGN_CHUNK_SIZE": "2", "EMAIL_CAMPAIGN_CHUNK_PAUSE_SECONDS": "2"})
    form = reverse("campaigns:launch")

    with chromium_page(tmp_path / "profile") as (page, seen):
        # An anonymous visitor of the form is sent to log in, and back.
        page.goto(f"{live_server.url}{form}")
        assert page.url == f"{live_server.url}/accounts/login/?next={form}"
        log_in(page, base_url=live_server.url, email=staff.email, password=TEST_PASSWORD, next_path=form)

        # when: the staff user sends a campaign from the form
        page.fill("input[name=subject]", "Spring news")
        page.fill("textarea[name=plain_text]", "Hello from the progress page test.")
        page.click("#campaign-form button[type=submit]")

        # then: the progress page, its bar moving, and at the end the campaign's page
        page.wait_for_url(re.compile(r".*/tasks/[0-9a-f-]{36}/progress/$"))
        page.wait_for_function(MID_WAY)
        screenshot = os.environ.get("STYLEGUIDE_PROGRESS_SCREENSHOT")
        if screenshot:
            page.wait_for_timeout(400)  # the bar's width transition
            page.screenshot(path=str(ROOT / screenshot))
        page.wait_for_url(re.compile(r".*/emails/campaigns/\d+/$"))
        landed_on = page.url
        # Every email is queued by now; the page says Sending until the worker has delivered each, then Done.
        said = [page.inner_text("#campaign-status strong")]
        deadline = time.monotonic() + 60
        while said[-1] != "Done" and time.monotonic() < deadline:
            page.wait_for_timeout(500)
            page.reload()
            said.append(page.inner_text("#campaign-status strong"))
        campaign_page = page.content()

    campaign = EmailCampaign.objects.get()
    assert landed_on == f"{live_server.url}/emails/campaigns/{campaign.id}/"
    assert campaign.status == EmailCampaign.Status.DONE
    assert "Spring news" in campaign_page
    assert "<strong>Done</strong>" in campaign_page
    # Finished: it no longer reloads itself, and there is nothing left to cancel.
    assert 'http-equiv="refresh"' not in campaign_page
    assert 'id="campaign-cancel"' not in campaign_page
    assert set(said) <= {"Sending", "Done"}, said
    percents = intermediate_percents(seen)
    assert len(percents) >= 2, seen
    assert set(percents) <= {33.33, 66.67}, seen
    messages = {message for _, message, _ in seen}
    assert {"Queued 2 of 6 emails", "Queued 4 of 6 emails"} <= messages, seen


def test_a_failing_task_shows_its_error_on_the_page(celery_worker, live_server, user, tmp_path):
    celery_worker(extra=("--include", "styleguide_project.task_progress.tests.probe_tasks"))

    with chromium_page(tmp_path / "profile") as (page, seen):
        log_in(page, base_url=live_server.url, email=user.email, password=TEST_PASSWORD, next_path="/api/docs/")
        # Queued once the browser is ready, so the page sees the run from its start.
        task_id = outside_the_browser_loop(
            lambda: task_enqueue_for_user(
                task=probe_tasks.progress_steps,
                kwargs={"steps": 3, "pause": 1.5, "fail_with": "The export ran out of disk space."},
                user=user,
            )
        )
        progress_page = reverse("task:progress", kwargs={"task_id": task_id})
        page.goto(f"{live_server.url}{progress_page}")

        page.wait_for_selector('#task-progress[data-state="FAILURE"]')
        error = page.inner_text("#task-error")
        message = page.inner_text("#progress-bar-message")
        bar_classes = page.get_attribute("#progress-bar", "class")
        html = page.content()
        url = page.url

    assert url == f"{live_server.url}{progress_page}"
    assert error == "The export ran out of disk space."
    assert message == "The task failed."
    assert "failed" in (bar_classes or "")
    assert "Traceback" not in html
    assert len(intermediate_percents(seen)) >= 2, seen
