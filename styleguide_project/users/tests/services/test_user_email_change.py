"""Email change: a link to the new mailbox, a notice to the old one, the change only once confirmed."""

import re
import time
from urllib.parse import unquote

import pytest
from django.core import mail, signing

from styleguide_project.core.exceptions import ApplicationError
from styleguide_project.users.models import BaseUser
from styleguide_project.users.services import (
    user_email_change_confirm,
    user_email_change_request,
    user_email_change_token_create,
)
from styleguide_project.users.tests.factories import TEST_PASSWORD, BaseUserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def ada() -> BaseUser:
    return BaseUserFactory.create(email="ada@example.com", name="Ada")


def _request(user: BaseUser, email: str, capture, **kwargs) -> BaseUser:
    with capture(execute=True):
        kwargs.setdefault("page_url", "http://testserver/users/email/confirm/")
        return user_email_change_request(user=user, email=email, password=TEST_PASSWORD, **kwargs)


def _token_sent_to(address: str) -> str:
    bodies = [str(message.body) for message in mail.outbox if message.to == [address]]
    assert bodies, f"nothing was sent to {address}"
    return unquote(re.findall(r"token=(\S+)", bodies[-1])[-1])


def test_the_new_address_gets_a_link_the_old_one_a_notice_and_nothing_changes_yet(
    ada, django_capture_on_commit_callbacks
):
    user = _request(ada, "Ada.New@Example.COM", django_capture_on_commit_callbacks, page_url="http://testserver/p/")

    assert (user.email, user.pending_email) == ("ada@example.com", "ada.new@example.com")
    assert BaseUser.objects.get(id=ada.id).email == "ada@example.com"
    assert sorted(message.to[0] for message in mail.outbox) == ["ada.new@example.com", "ada@example.com"]
    notice = next(message for message in mail.outbox if message.to == ["ada@example.com"])
    assert "ada.new@example.com" in notice.body
    assert "http://testserver/p/?token=" in next(m.body for m in mail.outbox if m.to == ["ada.new@example.com"])


def test_the_new_address_is_normalised_as_at_registration(ada, django_capture_on_commit_callbacks):
    # Fullwidth letters in the domain, and a long s: NFKC, then case-folded.
    user = _request(ada, "\u017fam@\uff25\uff38\uff21\uff2d\uff30\uff2c\uff25.com", django_capture_on_commit_callbacks)

    assert user.pending_email == "sam@example.com"


def test_confirming_moves_the_account_and_verifies_the_address_once(ada, django_capture_on_commit_callbacks):
    _request(ada, "new@example.com", django_capture_on_commit_callbacks, page_url="http://testserver/p/")
    token = _token_sent_to("new@example.com")

    user = user_email_change_confirm(token=token)

    stored = BaseUser.objects.get(id=ada.id)
    assert (stored.email, stored.pending_email) == ("new@example.com", "")
    assert stored.email_verified_at is not None
    assert stored.email_verified_at == user.email_verified_at
    with pytest.raises(ApplicationError, match="no longer valid"):
        user_email_change_confirm(token=token)


def test_a_frontend_url_gets_the_link(ada, settings, django_capture_on_commit_callbacks):
    settings.FRONTEND_URL = "https://app.example.com"

    _request(ada, "new@example.com", django_capture_on_commit_callbacks, page_url="http://testserver/p/")

    body = next(str(message.body) for message in mail.outbox if message.to == ["new@example.com"])
    assert "https://app.example.com/email/confirm?token=" in body
    assert "http://testserver/p/" not in body


def test_a_wrong_password_is_refused_and_sends_nothing(ada, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(ApplicationError) as excinfo:
        user_email_change_request(user=ada, email="new@example.com", password="not-the-password")

    assert excinfo.value.extra == {"fields": {"password": ["The password is not correct."]}}
    assert BaseUser.objects.get(id=ada.id).pending_email == ""
    assert mail.outbox == []


def test_the_current_address_is_refused(ada):
    with pytest.raises(ApplicationError, match="already the account's address"):
        user_email_change_request(user=ada, email="ADA@example.com", password=TEST_PASSWORD)


def test_a_taken_address_gets_nothing_and_the_caller_sees_the_same(ada, django_capture_on_commit_callbacks):
    BaseUserFactory.create(email="taken@example.com")

    user = _request(ada, "taken@example.com", django_capture_on_commit_callbacks)

    assert user.pending_email == "taken@example.com"
    assert [message.to for message in mail.outbox] == [["ada@example.com"]]


def test_a_newer_request_replaces_the_older_link(ada, django_capture_on_commit_callbacks):
    _request(ada, "first@example.com", django_capture_on_commit_callbacks)
    first = _token_sent_to("first@example.com")
    _request(ada, "second@example.com", django_capture_on_commit_callbacks)

    with pytest.raises(ApplicationError, match="no longer valid"):
        user_email_change_confirm(token=first)
    assert user_email_change_confirm(token=_token_sent_to("second@example.com")).email == "second@example.com"


def test_an_address_taken_before_the_confirmation_fails_cleanly(ada, django_capture_on_commit_callbacks):
    _request(ada, "new@example.com", django_capture_on_commit_callbacks)
    token = _token_sent_to("new@example.com")
    BaseUserFactory.create(email="new@example.com")

    with pytest.raises(ApplicationError, match="another account"):
        user_email_change_confirm(token=token)
    assert BaseUser.objects.get(id=ada.id).email == "ada@example.com"


def test_the_unique_index_decides_a_race_without_an_integrity_error(ada, monkeypatch):
    # The other account appears between the check and the save: the check is blind to it here.
    ada.pending_email = "new@example.com"
    ada.save()
    token = user_email_change_token_create(user=ada, new_email="new@example.com")
    BaseUserFactory.create(email="new@example.com")
    real_filter = BaseUser.objects.filter

    def blind_filter(*args, **kwargs):
        queryset = real_filter(*args, **kwargs)
        return queryset.none() if kwargs.get("email") == "new@example.com" else queryset

    monkeypatch.setattr(BaseUser.objects, "filter", blind_filter)

    with pytest.raises(ApplicationError, match="another account"):
        user_email_change_confirm(token=token)


@pytest.mark.parametrize(
    "token",
    ["", "garbage", signing.TimestampSigner(salt="styleguide_project.users.email-verification").sign_object({})],
)
def test_a_token_that_is_not_one_is_refused(token):
    with pytest.raises(ApplicationError, match="not valid"):
        user_email_change_confirm(token=token)


def test_an_expired_token_is_refused(ada, settings, monkeypatch):
    settings.EMAIL_VERIFICATION_MAX_AGE_HOURS = 72
    ada.pending_email = "new@example.com"
    ada.save()
    token = user_email_change_token_create(user=ada, new_email="new@example.com")
    later = time.time() + 72 * 3600 + 5
    monkeypatch.setattr(time, "time", lambda: later)

    with pytest.raises(ApplicationError, match="expired"):
        user_email_change_confirm(token=token)


def test_a_token_of_a_deleted_account_is_refused(ada):
    ada.pending_email = "new@example.com"
    ada.save()
    token = user_email_change_token_create(user=ada, new_email="new@example.com")
    ada.delete()

    with pytest.raises(ApplicationError, match="no longer valid"):
        user_email_change_confirm(token=token)
