"""Email change and account deletion end to end: PostgreSQL, Redis, a real worker and the SMTP sink."""

import re
from urllib.parse import unquote, urlsplit

import pytest
from django.test import Client

from styleguide_project.emails.models import Email
from styleguide_project.emails.services import email_create, email_send_all
from styleguide_project.users.models import BaseUser
from styleguide_project.users.tests.factories import TEST_PASSWORD, BaseUserFactory
from testing.processes import wait_until

pytestmark = pytest.mark.integration


def plain_text(message) -> str:
    [part] = [part for part in message.walk() if part.get_content_type() == "text/plain"]
    return part.get_payload(decode=True).decode(part.get_content_charset() or "utf-8")


def _log_in(api_client, email: str) -> None:
    login = api_client.post("/api/auth/login/", {"email": email, "password": TEST_PASSWORD}, format="json")
    assert login.status_code == 200, login.content
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {login.json()['token']}")


def test_an_email_change_is_confirmed_from_the_new_mailbox(celery_worker, smtp_sink, api_client):
    celery_worker()
    user = BaseUserFactory.create(email="ada@example.com")
    _log_in(api_client, "ada@example.com")

    asked = api_client.post(
        "/api/users/me/email/", {"email": "Ada@New.Example", "password": TEST_PASSWORD}, format="json"
    )

    assert asked.status_code == 202
    wait_until(lambda: smtp_sink.count() == 2, timeout=60, what="the link and the notice at the sink")
    by_recipient = {tuple(message.to): message for message in smtp_sink.messages}
    assert set(by_recipient) == {("ada@new.example",), ("ada@example.com",)}
    assert "ada@new.example" in plain_text(by_recipient[("ada@example.com",)].message)
    found = re.search(
        r"(http\S+/users/email/confirm/\?token=\S+)", plain_text(by_recipient[("ada@new.example",)].message)
    )
    assert found is not None
    link = urlsplit(found.group(1))

    # A person opens the link on another device, not logged in: the page shows a button and changes nothing...
    browser = Client(enforce_csrf_checks=True)
    page = browser.get(link.path, {"token": unquote(link.query.removeprefix("token="))})
    assert page.status_code == 200
    assert BaseUser.objects.get(id=user.id).email == "ada@example.com"
    csrf = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.content.decode())
    token = re.search(r'name="token" value="([^"]+)"', page.content.decode())
    assert csrf is not None
    assert token is not None
    # ...and the button confirms.
    done = browser.post(link.path, {"csrfmiddlewaretoken": csrf.group(1), "token": token.group(1)})

    assert done.status_code == 200, done.content
    stored = BaseUser.objects.get(id=user.id)
    assert (stored.email, stored.pending_email) == ("ada@new.example", "")
    assert stored.email_verified_at is not None
    api_client.credentials()
    _log_in(api_client, "ada@new.example")


def test_a_deleted_accounts_queued_email_is_never_sent(celery_worker, smtp_sink, api_client):
    user = BaseUserFactory.create(email="ada@example.com")
    _log_in(api_client, "ada@example.com")
    # Queued while no worker runs: its delivery waits in Redis, published and not yet taken.
    queued = email_create(to="ada@example.com", subject="Queued before the deletion", html="<p>x</p>", plain_text="x")
    assert email_send_all(emails=[queued]) == [queued.id]

    deleted = api_client.delete("/api/users/me/", {"password": TEST_PASSWORD}, format="json")

    assert deleted.status_code == 204
    assert not BaseUser.objects.filter(id=user.id).exists()
    # Now a worker takes both deliveries: the queued email's, then the confirmation's.
    worker = celery_worker()
    wait_until(lambda: smtp_sink.count() >= 1, timeout=60, what="the deletion's confirmation at the sink")
    delivery = r"Task emails\.email_send_batch\[[0-9a-f-]+\] succeeded"
    assert worker.wait_for_output(f"(?s){delivery}.*{delivery}", timeout=60), "the worker ran both deliveries"
    assert [(message.to, message.subject) for message in smtp_sink.messages] == [
        (["ada@example.com"], "Your account has been deleted")
    ]
    queued.refresh_from_db()
    assert queued.status == Email.Status.CANCELLED
    assert queued.to == f"deleted-user-{user.id}@deleted.invalid"
    assert queued.sent_at is None
