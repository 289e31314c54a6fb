"""Password reset end to end: request → commit → broker → celery worker → SMTP → the link → a new password."""

import re
from urllib.parse import unquote

import pytest
from django.conf import settings

from styleguide_project.emails.models import Email
from styleguide_project.users.models import BaseUser
from styleguide_project.users.tests.factories import TEST_PASSWORD, BaseUserFactory
from testing.processes import wait_until

pytestmark = pytest.mark.integration

FRONTEND_URL = "https://app.example.com"
NEW_PASSWORD = "a-brand-new-password-9"


def worker_env() -> dict[str, str]:
    # The worker makes the token and this process checks it: as deployed, both
    # run with one DJANGO_SECRET_KEY (the tests' own, here).
    return {"FRONTEND_URL": FRONTEND_URL, "DJANGO_SECRET_KEY": settings.SECRET_KEY}


def plain_text(message) -> str:
    [part] = [part for part in message.walk() if part.get_content_type() == "text/plain"]
    return part.get_payload(decode=True).decode(part.get_content_charset() or "utf-8")


def reset_token_from_the_mailbox(smtp_sink, *, to: str) -> str:
    """The token of the one reset email the sink received for `to`, read from its link."""
    wait_until(
        lambda: any(m.subject == "Reset your password" for m in smtp_sink.messages),
        timeout=60,
        what="the reset email at the sink",
    )
    [message] = [m for m in smtp_sink.messages if m.subject == "Reset your password"]
    assert message.to == [to]
    # The worker renders the link; FRONTEND_URL is the worker's setting.
    found = re.search(re.escape(FRONTEND_URL) + r"/password/reset/(\S+)", plain_text(message.message))
    assert found is not None
    return unquote(found.group(1))


def test_a_forgotten_password_is_reset_from_the_email_alone(celery_worker, smtp_sink, api_client):
    BaseUserFactory.create(email="ada@example.com")
    # The transactional pool alone: the run that looks the account up and both
    # emails are routed there, as docs/deploy.md says.
    celery_worker(env=worker_env(), extra=("--queues", "transactional"))

    asked = api_client.post("/api/auth/password/reset/", {"email": "ADA@example.com"}, format="json")
    nobody = api_client.post("/api/auth/password/reset/", {"email": "nobody@example.com"}, format="json")

    assert asked.status_code == nobody.status_code == 202
    assert asked.json() == nobody.json()
    token = reset_token_from_the_mailbox(smtp_sink, to="ada@example.com")
    confirmed = api_client.post(
        "/api/auth/password/reset/confirm/", {"token": token, "password": NEW_PASSWORD}, format="json"
    )
    assert confirmed.status_code == 200, confirmed.content
    login = api_client.post("/api/auth/login/", {"email": "ada@example.com", "password": NEW_PASSWORD}, format="json")
    assert login.status_code == 200
    old = api_client.post("/api/auth/login/", {"email": "ada@example.com", "password": TEST_PASSWORD}, format="json")
    assert old.status_code == 400
    # The notice of the change reaches the mailbox too; the unknown address got nothing.
    wait_until(
        lambda: any(m.subject == "Your password was changed" for m in smtp_sink.messages),
        timeout=60,
        what="the notice at the sink",
    )
    assert [m.to for m in smtp_sink.messages] == [["ada@example.com"], ["ada@example.com"]]
    used = api_client.post(
        "/api/auth/password/reset/confirm/", {"token": token, "password": "another-new-password-7"}, format="json"
    )
    assert used.status_code == 400
    wait_until(
        lambda: set(Email.objects.values_list("status", flat=True)) == {Email.Status.SENT},
        timeout=30,
        what="both emails SENT",
    )


def test_the_owner_of_an_address_a_stranger_registered_takes_it_back(celery_worker, smtp_sink, api_client):
    celery_worker(env=worker_env())
    # A stranger registers the owner's address and logs in: nobody checks the mailbox to log in.
    registered = api_client.post(
        "/api/users/", {"email": "owner@example.com", "password": "the-strangers-password-1"}, format="json"
    )
    assert registered.status_code == 202
    login = api_client.post(
        "/api/auth/login/", {"email": "owner@example.com", "password": "the-strangers-password-1"}, format="json"
    )
    stranger = {"HTTP_AUTHORIZATION": f"Token {login.json()['token']}"}
    assert api_client.get("/api/users/me/", **stranger).status_code == 200

    # The owner, who only has the mailbox, asks for a reset and follows the link.
    assert (
        api_client.post("/api/auth/password/reset/", {"email": "owner@example.com"}, format="json").status_code == 202
    )
    token = reset_token_from_the_mailbox(smtp_sink, to="owner@example.com")
    confirmed = api_client.post(
        "/api/auth/password/reset/confirm/", {"token": token, "password": NEW_PASSWORD}, format="json"
    )

    assert confirmed.status_code == 200
    assert api_client.get("/api/users/me/", **stranger).status_code == 401
    account = BaseUser.objects.get(email="owner@example.com")
    assert account.email_verified_at is not None
    assert not account.check_password("the-strangers-password-1")
    owner = api_client.post("/api/auth/login/", {"email": "owner@example.com", "password": NEW_PASSWORD}, format="json")
    assert owner.status_code == 200
    me = api_client.get("/api/users/me/", HTTP_AUTHORIZATION=f"Token {owner.json()['token']}")
    assert me.json()["email_verified_at"] is not None
