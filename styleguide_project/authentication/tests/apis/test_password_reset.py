import re

import pytest
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from knox.models import AuthToken

from styleguide_project.emails.models import Email
from styleguide_project.users.models import BaseUser
from styleguide_project.users.tests.factories import TEST_PASSWORD, BaseUserFactory

pytestmark = pytest.mark.django_db
RESET = "/api/auth/password/reset/"
CONFIRM = "/api/auth/password/reset/confirm/"
LOGIN = "/api/auth/login/"
ME = "/api/users/me/"
NEW_PASSWORD = "a-brand-new-password-9"


def ask_reset(client, email, capture, **extra):
    with capture(execute=True):
        response = client.post(RESET, {"email": email}, format="json", **extra)
    assert response.status_code == 202, response.content
    [message] = [m for m in mail.outbox if m.subject == "Reset your password" and m.to == [email.lower()]][-1:]
    found = re.search(r"/accounts/password/reset/([^/\s]+)/", str(message.body))
    assert found is not None
    return found.group(1)


def test_the_same_202_whether_or_not_the_address_has_an_account(api_client, django_capture_on_commit_callbacks):
    BaseUserFactory.create(email="ada@example.com")

    with django_capture_on_commit_callbacks(execute=True):
        known = api_client.post(RESET, {"email": "Ada@Example.com"}, format="json")
        unknown = api_client.post(RESET, {"email": "nobody@example.com"}, format="json")

    assert known.status_code == unknown.status_code == 202
    assert (
        known.json()
        == unknown.json()
        == {"message": "If an account has this address, we have sent it a link to reset the password."}
    )
    assert [message.to for message in mail.outbox] == [["ada@example.com"]]


@pytest.mark.parametrize(
    "body",
    [{}, {"email": ""}, {"email": "not-an-email"}, {"email": ["ada@example.com"]}, {"email": "a" * 250 + "@x.com"}],
)
def test_bad_input_is_a_400_in_the_error_shape(api_client, body):
    response = api_client.post(RESET, body, format="json")

    assert response.status_code == 400
    assert response.json()["message"] == "Validation error"
    assert set(response.json()["extra"]["fields"]) == {"email"}
    assert Email.objects.count() == 0


def test_requests_are_throttled_per_address(api_client, throttle_rates):
    throttle_rates(password_reset_address="3/hour")

    statuses = [api_client.post(RESET, {"email": f"user{n}@example.com"}, format="json").status_code for n in range(4)]

    assert statuses == [202, 202, 202, 429]


def test_requests_are_throttled_per_email_however_spelled(api_client, throttle_rates):
    throttle_rates(password_reset_email="2/hour")
    spellings = ["ada@example.com", "ADA@example.com", "Ada@Example.COM"]

    statuses = [
        api_client.post(RESET, {"email": email}, format="json", REMOTE_ADDR=f"198.51.100.{n}").status_code
        for n, email in enumerate(spellings)
    ]

    assert statuses == [202, 202, 429]
    response = api_client.post(RESET, {"email": "ada@example.com"}, format="json", REMOTE_ADDR="198.51.100.9")
    assert int(response["Retry-After"]) > 0
    assert set(response.json()) == {"message", "extra"}


@pytest.mark.usefixtures("unreachable_cache")
def test_without_the_cache_a_request_is_a_503_and_nothing_is_sent(api_client, django_capture_on_commit_callbacks):
    BaseUserFactory.create(email="ada@example.com")

    with django_capture_on_commit_callbacks(execute=True):
        response = api_client.post(RESET, {"email": "ada@example.com"}, format="json")

    assert response.status_code == 503
    assert set(response.json()) == {"message", "extra"}
    assert mail.outbox == []
    assert Email.objects.count() == 0


def test_confirm_sets_the_password_and_every_old_token_dies(api_client, django_capture_on_commit_callbacks):
    user = BaseUserFactory.create(email="ada@example.com")
    old = api_client.post(LOGIN, {"email": user.email, "password": TEST_PASSWORD}, format="json").json()["token"]
    token = ask_reset(api_client, "ada@example.com", django_capture_on_commit_callbacks)

    with django_capture_on_commit_callbacks(execute=True):
        response = api_client.post(CONFIRM, {"token": token, "password": NEW_PASSWORD}, format="json")

    assert response.status_code == 200
    assert response.json() == {"message": "Your password has been changed: log in with the new one."}
    assert api_client.get(ME, HTTP_AUTHORIZATION=f"Token {old}").status_code == 401
    assert api_client.post(LOGIN, {"email": user.email, "password": TEST_PASSWORD}, format="json").status_code == 400
    login = api_client.post(LOGIN, {"email": user.email, "password": NEW_PASSWORD}, format="json")
    assert login.status_code == 200
    assert mail.outbox[-1].subject == "Your password was changed"


def test_a_used_token_is_a_400_that_says_so(api_client, django_capture_on_commit_callbacks):
    BaseUserFactory.create(email="ada@example.com")
    token = ask_reset(api_client, "ada@example.com", django_capture_on_commit_callbacks)
    api_client.post(CONFIRM, {"token": token, "password": NEW_PASSWORD}, format="json")

    again = api_client.post(CONFIRM, {"token": token, "password": "another-new-password-7"}, format="json")

    assert again.status_code == 400
    assert again.json() == {
        "message": "This password reset link is not valid: it was already used, or a newer password replaced it. "
        "Ask for a new one.",
        "extra": {},
    }


def test_a_weak_password_is_a_400_on_the_password_field(api_client, django_capture_on_commit_callbacks):
    BaseUserFactory.create(email="ada.lovelace@example.com")
    token = ask_reset(api_client, "ada.lovelace@example.com", django_capture_on_commit_callbacks)

    short = api_client.post(CONFIRM, {"token": token, "password": "short"}, format="json")
    like_email = api_client.post(CONFIRM, {"token": token, "password": "ada.lovelace"}, format="json")

    for response in (short, like_email):
        assert response.status_code == 400
        assert response.json()["message"] == "Validation error"
        assert set(response.json()["extra"]["fields"]) == {"password"}
    assert BaseUser.objects.get().check_password(TEST_PASSWORD)


@pytest.mark.parametrize("body", [{}, {"token": "x"}, {"password": NEW_PASSWORD}, {"token": ["x"], "password": 1}])
def test_confirm_bad_input_is_a_400_in_the_error_shape(api_client, body):
    response = api_client.post(CONFIRM, body, format="json")

    assert response.status_code == 400
    assert set(response.json()) == {"message", "extra"}


def test_confirm_is_throttled_per_address(api_client, throttle_rates):
    throttle_rates(password_reset_confirm="2/hour")

    statuses = [
        api_client.post(CONFIRM, {"token": "MQ.a-b", "password": NEW_PASSWORD}, format="json").status_code
        for _ in range(3)
    ]

    assert statuses == [400, 400, 429]


def test_a_logged_in_caller_is_treated_as_anyone(user_client, django_capture_on_commit_callbacks):
    # No authentication: a reset is for someone who cannot log in.
    with django_capture_on_commit_callbacks(execute=True):
        response = user_client.post(RESET, {"email": "nobody@example.com"}, format="json")

    assert response.status_code == 202
    assert AuthToken.objects.count() == 0


def test_the_request_does_the_same_work_whether_or_not_the_address_has_an_account(api_client):
    # The answer's time is the work it does: the same statements either way, and no lookup of
    # the account (the worker does that, after the answer).
    BaseUserFactory.create(email="ada@example.com")
    work = {}
    for email in ("ada@example.com", "nobody@example.com"):
        with CaptureQueriesContext(connection) as queries:
            assert api_client.post(RESET, {"email": email}, format="json").status_code == 202
        # Savepoint names are numbered; the rest of each statement is the statement.
        work[email] = [re.sub(r'"s\d+_x\d+"', "<savepoint>", query["sql"]) for query in queries.captured_queries]

    assert work["ada@example.com"]
    assert [sql.split(" (", 1)[0] for sql in work["ada@example.com"]] == [
        sql.split(" (", 1)[0] for sql in work["nobody@example.com"]
    ]
    assert not any(BaseUser._meta.db_table in sql for sql in work["ada@example.com"] + work["nobody@example.com"])
