import re
from datetime import datetime, timedelta

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.utils import timezone
from knox.models import AuthToken

from styleguide_project.core.exceptions import ApplicationError
from styleguide_project.emails.models import Email
from styleguide_project.tasks.outbox.models import OutboxRun
from styleguide_project.users.models import BaseUser
from styleguide_project.users.services import (
    user_password_change,
    user_password_reset_confirm,
    user_password_reset_link,
    user_password_reset_request,
    user_password_reset_send,
)
from styleguide_project.users.tests.factories import TEST_PASSWORD, BaseUserFactory
from styleguide_project.users.tokens import password_reset_token_generator, password_reset_token_make

pytestmark = pytest.mark.django_db
SITE = "http://testserver/"
NEW_PASSWORD = "a-brand-new-password-9"


def reset_token(email: str) -> str:
    message = user_password_reset_send(email=email, site_url=SITE)
    assert message is not None
    return message.plain_text.split("/accounts/password/reset/", 1)[1].split("/", 1)[0]


def test_a_request_records_one_run_whether_or_not_the_address_has_an_account(django_capture_on_commit_callbacks):
    BaseUserFactory.create(email="ada@example.com")

    with django_capture_on_commit_callbacks(execute=True):
        user_password_reset_request(email="Ada@Example.com", site_url=SITE)
        user_password_reset_request(email="nobody@example.com", site_url=SITE)

    runs = OutboxRun.objects.filter(task_name="users.user_password_reset_send").order_by("created_at")
    assert [run.kwargs for run in runs] == [
        {"email": "ada@example.com", "site_url": SITE},
        {"email": "nobody@example.com", "site_url": SITE},
    ]
    # The runs ran (eagerly): one email, to the account's address only.
    assert [message.to for message in mail.outbox] == [["ada@example.com"]]
    assert mail.outbox[0].subject == "Reset your password"


def test_the_email_links_to_this_servers_page_with_a_token_for_the_account(settings):
    settings.FRONTEND_URL = ""
    user = BaseUserFactory.create(email="ada@example.com")

    message = user_password_reset_send(email="ada@example.com", site_url=SITE)

    assert message is not None
    assert message.to == "ada@example.com"
    found = re.search(r"http://testserver/accounts/password/reset/([^/\s]+)/", message.plain_text)
    assert found is not None
    assert found.group(0) in message.html
    assert user_password_reset_confirm(token=found.group(1), password=NEW_PASSWORD) == user


def test_with_frontend_url_the_link_opens_the_applications_route(settings):
    settings.FRONTEND_URL = "https://app.example.com"

    link = user_password_reset_link(token="MQ.abc-123", site_url=SITE)

    assert link == "https://app.example.com/password/reset/MQ.abc-123"


@pytest.mark.parametrize(
    "kwargs",
    [{"is_active": False}, {"password": None}],
    ids=["inactive", "unusable password"],
)
def test_no_email_for_an_account_that_may_not_reset(kwargs):
    user = BaseUserFactory.create(email="ada@example.com", **kwargs)
    if kwargs.get("password", "") is None:
        user.set_unusable_password()
        user.save()

    assert user_password_reset_send(email="ada@example.com", site_url=SITE) is None
    assert user_password_reset_send(email="nobody@example.com", site_url=SITE) is None
    assert Email.objects.count() == 0


def test_confirm_sets_the_password_verifies_the_address_revokes_tokens_and_notifies(
    django_capture_on_commit_callbacks,
):
    user = BaseUserFactory.create(email="ada@example.com", email_verified_at=None)
    AuthToken.objects.create(user=user)
    AuthToken.objects.create(user=user)
    token = reset_token("ada@example.com")
    mail.outbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        user_password_reset_confirm(token=token, password=NEW_PASSWORD)

    user.refresh_from_db()
    assert user.check_password(NEW_PASSWORD)
    assert user.email_verified_at is not None
    assert AuthToken.objects.filter(user=user).count() == 0
    assert [(message.to, message.subject) for message in mail.outbox] == [
        (["ada@example.com"], "Your password was changed")
    ]


def test_an_already_verified_address_keeps_its_date():
    verified_at = timezone.now() - timedelta(days=3)
    user = BaseUserFactory.create(email="ada@example.com", email_verified_at=verified_at)

    user_password_reset_confirm(token=reset_token("ada@example.com"), password=NEW_PASSWORD)

    user.refresh_from_db()
    assert user.email_verified_at == verified_at


def test_a_token_works_once():
    BaseUserFactory.create(email="ada@example.com")
    token = reset_token("ada@example.com")
    user_password_reset_confirm(token=token, password=NEW_PASSWORD)

    with pytest.raises(ApplicationError, match="not valid: it was already used"):
        user_password_reset_confirm(token=token, password="another-new-password-7")


def test_using_a_newer_token_kills_the_older_one():
    BaseUserFactory.create(email="ada@example.com")
    older, newer = reset_token("ada@example.com"), reset_token("ada@example.com")

    user_password_reset_confirm(token=newer, password=NEW_PASSWORD)

    with pytest.raises(ApplicationError, match="not valid"):
        user_password_reset_confirm(token=older, password="another-new-password-7")


def test_a_password_change_kills_the_token():
    user = BaseUserFactory.create(email="ada@example.com")
    token = reset_token("ada@example.com")

    user_password_change(user=user, current_password=TEST_PASSWORD, new_password=NEW_PASSWORD)

    with pytest.raises(ApplicationError, match="not valid"):
        user_password_reset_confirm(token=token, password="another-new-password-7")


def test_an_expired_token_says_so(settings, monkeypatch):
    settings.PASSWORD_RESET_TIMEOUT = 3600
    user = BaseUserFactory.create(email="ada@example.com")
    token = password_reset_token_make(user=user)
    later = datetime.now() + timedelta(seconds=3602)
    # Django's generator reads the clock with its `_now()`.
    monkeypatch.setattr(password_reset_token_generator, "_now", lambda: later)

    with pytest.raises(ApplicationError, match="has expired"):
        user_password_reset_confirm(token=token, password=NEW_PASSWORD)
    user.refresh_from_db()
    assert user.check_password(TEST_PASSWORD)


@pytest.mark.parametrize("token", ["", "garbage", "MQ.", ".1a2b-3c4d", "!!!.abc-def", "MQ.zzzzzz-0000"])
def test_a_token_that_is_not_one_is_refused(token):
    BaseUserFactory.create()

    with pytest.raises(ApplicationError, match="not valid"):
        user_password_reset_confirm(token=token, password=NEW_PASSWORD)


def test_a_token_for_another_account_is_refused():
    ada = BaseUserFactory.create(email="ada@example.com")
    grace = BaseUserFactory.create(email="grace@example.com")
    token = password_reset_token_make(user=ada)
    forged = password_reset_token_make(user=grace).split(".")[0] + "." + token.split(".")[1]

    with pytest.raises(ApplicationError, match="not valid"):
        user_password_reset_confirm(token=forged, password=NEW_PASSWORD)


def test_the_password_validators_apply_with_the_user():
    BaseUserFactory.create(email="ada.lovelace@example.com")
    token = reset_token("ada.lovelace@example.com")

    with pytest.raises(ValidationError) as excinfo:
        user_password_reset_confirm(token=token, password="ada.lovelace")

    assert set(excinfo.value.message_dict) == {"password"}
    # Refused: the token still works.
    assert user_password_reset_confirm(token=token, password=NEW_PASSWORD).check_password(NEW_PASSWORD)


def test_the_stranger_who_registered_the_address_loses_the_account():
    stranger = BaseUserFactory.create(email="owner@example.com", email_verified_at=None)
    AuthToken.objects.create(user=stranger)

    account = user_password_reset_confirm(token=reset_token("owner@example.com"), password=NEW_PASSWORD)

    assert account.id == stranger.id
    assert not BaseUser.objects.get(id=stranger.id).check_password(TEST_PASSWORD)
    assert not AuthToken.objects.filter(user=stranger).exists()
