"""The onboarding email, end to end: API request → commit → Redis → celery worker → SMTP."""

import re

import pytest
from django.test import override_settings

from styleguide_project.emails.models import Email
from testing.processes import wait_until

pytestmark = pytest.mark.integration


def test_onboarding_email_is_delivered_by_a_real_worker(celery_worker, smtp_sink, user_client, user):
    worker = celery_worker()

    response = user_client.post("/api/users/me/onboarding/complete/")

    assert response.status_code == 200
    wait_until(lambda: smtp_sink.count() == 1, timeout=30, what="the onboarding email at the SMTP sink")
    [message] = smtp_sink.messages
    assert message.to == [user.email]
    assert message.subject == f"Welcome aboard, {user.email}"
    wait_until(lambda: Email.objects.get().status == Email.Status.SENT, timeout=10, what="status SENT")
    # The status is written inside the task; the worker logs "succeeded" only after it returns.
    assert worker.wait_for_output(r"Task emails\.email_send_batch\[[0-9a-f-]+\] succeeded", timeout=10)


@override_settings(TASK_MAX_RETRIES=2)
def test_smtp_refusal_ends_failed_after_retries_on_a_real_worker(celery_worker, smtp_sink, staff_client):
    smtp_sink.refuse_with = "451 4.3.0 Try again later"
    email = Email.objects.create(to="ada@example.com", subject="s", html="<p>h</p>", plain_text="h")
    worker = celery_worker(env={"TASK_MAX_RETRIES": "2"})

    response = staff_client.post("/api/emails/send/", {"ids": [email.id]}, format="json")

    assert response.status_code == 202
    wait_until(lambda: Email.objects.get(id=email.id).status == Email.Status.FAILED, timeout=30, what="status FAILED")
    email.refresh_from_db()
    assert email.attempts == 3
    assert email.last_error.startswith("SMTPDataError")
    assert worker.output.count("Retry in") == 2
    # Lines from task code carry the task's name and id on a real worker too.
    assert re.search(
        r"styleguide_project\.tasks\.app\.base \[emails\.email_send_batch:[0-9a-f-]{36}\]: "
        r"emails\.email_send_batch\[[0-9a-f-]{36}\] failed \(EmailBatchIncompleteError: 1 emails not sent",
        worker.output,
    )
    assert smtp_sink.count() == 0
