"""Verification tokens: signed, expiring, for one account's current address, good once."""

import time

import pytest
from django.core import signing

from styleguide_project.core.exceptions import ApplicationError
from styleguide_project.users.models import BaseUser
from styleguide_project.users.services import (
    user_email_verification_send,
    user_email_verification_token_create,
    user_email_verify,
)
from styleguide_project.users.tests.factories import BaseUserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def unverified() -> BaseUser:
    return BaseUserFactory.create(email="ada@example.com", email_verified_at=None)


def test_a_token_verifies_its_user_once(unverified):
    token = user_email_verification_token_create(user=unverified)

    user = user_email_verify(user=unverified, token=token)

    assert user.email_verified_at is not None
    assert BaseUser.objects.get(id=unverified.id).email_verified_at == user.email_verified_at
    with pytest.raises(ApplicationError) as excinfo:
        user_email_verify(user=unverified, token=token)
    assert excinfo.value.message == "This email address is already verified."


def test_an_expired_token_is_refused(settings, unverified, monkeypatch):
    settings.EMAIL_VERIFICATION_MAX_AGE_HOURS = 72
    token = user_email_verification_token_create(user=unverified)
    later = time.time() + 72 * 3600 + 5
    # The signer reads the clock with time.time().
    monkeypatch.setattr(time, "time", lambda: later)

    with pytest.raises(ApplicationError) as excinfo:
        user_email_verify(user=unverified, token=token)

    assert excinfo.value.message == "This verification code has expired: ask for a new one."
    assert BaseUser.objects.get(id=unverified.id).email_verified_at is None


@pytest.mark.parametrize(
    "token",
    [
        "",
        "nonsense",
        # Signed with the same key for something else (another salt).
        signing.TimestampSigner(salt="django.contrib.sessions").sign_object({"user": 1, "email": "ada@example.com"}),
    ],
    # The signed token holds the time it was made: stable ids for parallel collection.
    ids=["empty", "nonsense", "another-salt"],
)
def test_a_token_that_is_not_one_is_refused(unverified, token):
    with pytest.raises(ApplicationError) as excinfo:
        user_email_verify(user=unverified, token=token)

    assert excinfo.value.message == "This verification code is not valid."


def test_a_tampered_token_is_refused(unverified):
    other = BaseUserFactory.create(email_verified_at=None)
    token = user_email_verification_token_create(user=other)
    value, _, signature = token.rpartition(":")

    with pytest.raises(ApplicationError) as excinfo:
        user_email_verify(user=unverified, token=f"{value}:{signature[::-1]}")

    assert excinfo.value.message == "This verification code is not valid."


def test_another_accounts_token_or_an_old_address_is_refused(unverified):
    other = BaseUserFactory.create(email_verified_at=None)
    for_other = user_email_verification_token_create(user=other)
    for_old_address = user_email_verification_token_create(user=unverified)
    BaseUser.objects.filter(id=unverified.id).update(email="ada@example.org")
    unverified.refresh_from_db()

    for token in (for_other, for_old_address):
        with pytest.raises(ApplicationError) as excinfo:
            user_email_verify(user=unverified, token=token)
        assert excinfo.value.message == "This verification code is not for this account's email address."
    assert BaseUser.objects.filter(email_verified_at__isnull=False).count() == 0


@pytest.mark.parametrize(
    ("url", "means", "other"),
    [("", "code", "link"), ("https://app.example.com/verify-email?token={token}", "link", "code")],
)
def test_the_email_and_the_errors_speak_of_the_same_thing(
    unverified, settings, django_capture_on_commit_callbacks, mailoutbox, url, means, other
):
    settings.EMAIL_VERIFICATION_URL = url
    with django_capture_on_commit_callbacks(execute=True):
        user_email_verification_send(user=unverified)
    [message] = mailoutbox
    another = user_email_verification_token_create(user=BaseUserFactory.create())
    expired = user_email_verification_token_create(user=unverified)
    time.sleep(1.1)  # TimestampSigner counts whole seconds.

    errors = []
    for token, max_age_hours in (("x" * 40, 72), (expired, 0), (another, 72)):
        settings.EMAIL_VERIFICATION_MAX_AGE_HOURS = max_age_hours
        with pytest.raises(ApplicationError) as excinfo:
            user_email_verify(user=unverified, token=token)
        errors.append(excinfo.value.message)

    assert f"this {means}" in message.body
    assert f" {other}" not in message.body
    assert errors == [
        f"This verification {means} is not valid.",
        f"This verification {means} has expired: ask for a new one.",
        f"This verification {means} is not for this account's email address.",
    ]
