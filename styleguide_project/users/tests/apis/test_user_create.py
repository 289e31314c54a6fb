import statistics
import time

import pytest
from django.core import mail
from django.test import override_settings

from styleguide_project.emails.models import Email
from styleguide_project.users.models import BaseUser
from styleguide_project.users.tests.factories import TEST_PASSWORD

pytestmark = pytest.mark.django_db
URL = "/api/users/"


def test_registers_a_user(api_client):
    response = api_client.post(URL, {"email": "Ada@Example.com", "password": "a-long-password-1"}, format="json")

    assert response.status_code == 202
    assert response.json() == {
        "email": "ada@example.com",
        "message": "Check your inbox: we have sent an email to this address.",
    }
    assert BaseUser.objects.get(email="ada@example.com").check_password("a-long-password-1")


def test_a_taken_address_gets_the_same_answer_and_its_owner_an_email(
    api_client, user, django_capture_on_commit_callbacks
):
    new = api_client.post(URL, {"email": "new@example.com", "password": "a-long-password-1"}, format="json")
    mail.outbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        taken = api_client.post(URL, {"email": user.email.upper(), "password": "a-long-password-1"}, format="json")

    assert (taken.status_code, taken.json()["message"]) == (new.status_code, new.json()["message"])
    assert taken.json()["email"] == user.email
    assert taken.content.replace(user.email.encode(), b"new@example.com") == new.content
    assert BaseUser.objects.filter(email=user.email).count() == 1
    user.refresh_from_db()
    assert user.check_password(TEST_PASSWORD)
    [notice] = mail.outbox
    assert notice.to == [user.email]
    assert notice.subject == "Someone tried to register with your address"
    assert "already has an account" in notice.body


def test_the_owner_hears_of_repeated_attempts_once_an_hour(api_client, user, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        for _ in range(3):
            response = api_client.post(URL, {"email": user.email, "password": "a-long-password-1"}, format="json")
            assert response.status_code == 202

    assert Email.objects.filter(to=user.email).count() == 1


def test_a_weak_password_is_refused_alike_for_a_taken_address(api_client, user):
    new = api_client.post(URL, {"email": "new@example.com", "password": "12345678"}, format="json")
    taken = api_client.post(URL, {"email": user.email, "password": "12345678"}, format="json")

    assert new.status_code == taken.status_code == 400
    assert new.json() == taken.json()
    assert Email.objects.count() == 0


@override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.PBKDF2PasswordHasher"])
def test_a_taken_address_answers_in_comparable_time(api_client, user):
    # With the production hasher: the password is hashed either way, so
    # neither answer stands out; the bound is wide, the machine is shared.
    def seconds(email: str) -> float:
        started = time.perf_counter()
        response = api_client.post(URL, {"email": email, "password": "a-long-password-1"}, format="json")
        assert response.status_code == 202
        return time.perf_counter() - started

    seconds("warm-up@example.com")
    new = statistics.median(seconds(f"new-{index}@example.com") for index in range(3))
    taken = statistics.median(seconds(user.email) for _ in range(3))

    assert 0.5 < taken / new < 2, f"taken {taken:.3f} s, new {new:.3f} s"


@pytest.mark.parametrize(
    ("first", "second"),
    [
        ("ada@example.com", "ADA@EXAMPLE.COM"),
        # Fullwidth letters: Django's validator accepts the domain through IDNA,
        # and mail to it reaches example.com.
        ("ada@example.com", "ada@\uff45\uff58\uff41\uff4d\uff50\uff4c\uff45.com"),
        ("ada@example.com", "ADA@\uff25\uff38\uff21\uff2d\uff30\uff2c\uff25.COM"),
        # A long s, which lower() keeps and NFKC reads as s.
        ("sam@example.com", "\u017fam@example.com"),
        # The Kelvin sign.
        ("kim@example.com", "\u212aim@example.com"),
    ],
)
def test_two_spellings_of_one_mailbox_make_one_account(api_client, first, second):
    responses = [
        api_client.post(URL, {"email": e, "password": "a-long-password-1"}, format="json") for e in (first, second)
    ]

    assert [r.status_code for r in responses] == [202, 202]
    assert responses[0].json() == responses[1].json()
    assert list(BaseUser.objects.values_list("email", flat=True)) == [first]


@pytest.mark.parametrize(
    ("payload", "fields"),
    [
        ({}, {"email", "password"}),
        ({"email": "not-an-email", "password": "a-long-password-1"}, {"email"}),
        # The password's rules that need no account are checked with the fields: "12" is short and numeric.
        ({"email": ["a@example.com"], "password": 12}, {"email", "password"}),
        ({"email": "a@example.com", "password": None}, {"password"}),
    ],
)
def test_bad_input_is_a_400_naming_the_fields(api_client, payload, fields):
    response = api_client.post(URL, payload, format="json")

    assert response.status_code == 400
    assert response.json()["message"] == "Validation error"
    assert set(response.json()["extra"]["fields"]) == fields
    assert BaseUser.objects.count() == 0


def test_malformed_json_is_a_400(api_client):
    response = api_client.post(URL, "{oops", content_type="application/json")

    assert response.status_code == 400
    assert response.json()["message"].startswith("JSON parse error")


def test_non_json_body_is_a_415(api_client):
    response = api_client.post(URL, "email=a@example.com", content_type="application/x-www-form-urlencoded")

    assert response.status_code == 415
    assert set(response.json()) == {"message", "extra"}


def test_a_weak_password_is_a_400_with_the_password_errors(api_client):
    response = api_client.post(URL, {"email": "ada@example.com", "password": "12345678"}, format="json")

    assert response.status_code == 400
    assert response.json() == {
        "message": "Validation error",
        "extra": {"fields": {"password": ["This password is too common.", "This password is entirely numeric."]}},
    }
    assert BaseUser.objects.count() == 0


def test_a_short_password_gets_every_reason_at_once(api_client):
    response = api_client.post(URL, {"email": "ada@example.com", "password": "1234"}, format="json")

    assert response.json()["extra"]["fields"] == {
        "password": [
            "This password is too short. It must contain at least 8 characters.",
            "This password is too common.",
            "This password is entirely numeric.",
        ]
    }


def test_a_password_like_the_email_is_refused_by_the_service(api_client):
    response = api_client.post(URL, {"email": "ada.lovelace@example.com", "password": "ada.lovelace"}, format="json")

    assert response.status_code == 400
    assert response.json()["extra"]["fields"] == {"password": ["The password is too similar to the email address."]}


def test_while_the_cache_is_down_registration_answers_503_taken_or_not(
    api_client, user, unreachable_cache, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        new = api_client.post(URL, {"email": "new@example.com", "password": "a-long-password-1"}, format="json")
        taken = api_client.post(URL, {"email": user.email, "password": "a-long-password-1"}, format="json")

    # The budget of unsolicited emails cannot count them: refused before any account is looked at.
    assert new.status_code == taken.status_code == 503
    assert new.json() == taken.json()
    assert not BaseUser.objects.filter(email="new@example.com").exists()
    assert Email.objects.count() == 0
