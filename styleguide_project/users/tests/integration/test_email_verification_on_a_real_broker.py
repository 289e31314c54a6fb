"""Email verification end to end: register → commit → Redis → celery worker → SMTP → the link → verified."""

import re
from urllib.parse import unquote

import pytest
from django.test import override_settings

from styleguide_project.emails.models import Email
from styleguide_project.users.models import BaseUser
from testing.processes import wait_until

pytestmark = pytest.mark.integration

LINK = "https://app.example.com/verify-email?token={token}"


def plain_text(message) -> str:
    [part] = [part for part in message.walk() if part.get_content_type() == "text/plain"]
    return part.get_payload(decode=True).decode(part.get_content_charset() or "utf-8")


@override_settings(EMAIL_VERIFICATION_URL=LINK)
def test_the_emailed_link_verifies_the_address_once(celery_worker, smtp_sink, api_client):
    # The worker renders the email from what the request stored; it needs no setting of its own.
    worker = celery_worker()

    registered = api_client.post(
        "/api/users/", {"email": "Ada@Example.com", "password": "a-long-password-1"}, format="json"
    )
    taken = api_client.post("/api/users/", {"email": "ADA@example.com", "password": "a-long-password-1"}, format="json")

    assert registered.status_code == taken.status_code == 202
    assert registered.json() == taken.json()
    wait_until(lambda: smtp_sink.count() == 2, timeout=30, what="the verification email and the notice at the sink")
    by_subject = {message.subject: message for message in smtp_sink.messages}
    assert set(by_subject) == {"Confirm your email address", "Someone tried to register with your address"}
    verification = by_subject["Confirm your email address"]
    assert verification.to == ["ada@example.com"]
    found = re.search(r"verify-email\?token=(\S+)", plain_text(verification.message))
    assert found is not None
    token = unquote(found.group(1))
    wait_until(
        lambda: set(Email.objects.values_list("status", flat=True)) == {Email.Status.SENT},
        timeout=10,
        what="both emails SENT",
    )
    assert worker.wait_for_output(r"Task emails\.email_send_batch\[[0-9a-f-]+\] succeeded", timeout=10)

    login = api_client.post(
        "/api/auth/login/", {"email": "ada@example.com", "password": "a-long-password-1"}, format="json"
    )
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {login.json()['token']}")
    verified = api_client.post("/api/users/me/email/verify/", {"token": token}, format="json")
    again = api_client.post("/api/users/me/email/verify/", {"token": token}, format="json")

    assert verified.status_code == 200
    assert BaseUser.objects.get().email_verified_at is not None
    assert again.status_code == 400
    assert again.json()["message"] == "This email address is already verified."
