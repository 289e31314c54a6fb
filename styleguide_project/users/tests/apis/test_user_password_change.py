import pytest
from django.core import mail
from django.test import Client

from styleguide_project.emails.models import Email
from styleguide_project.users.models import BaseUser
from styleguide_project.users.tests.factories import TEST_PASSWORD, BaseUserFactory

pytestmark = pytest.mark.django_db
URL = "/api/users/me/password/"
LOGIN = "/api/auth/login/"
ME = "/api/users/me/"
NEW_PASSWORD = "a-brand-new-password-9"


def login(client, email, password=TEST_PASSWORD):
    response = client.post(LOGIN, {"email": email, "password": password}, format="json")
    assert response.status_code == 200, response.content
    return {"HTTP_AUTHORIZATION": f"Token {response.json()['token']}"}


def test_this_token_stays_every_other_dies(api_client, django_capture_on_commit_callbacks):
    user = BaseUserFactory.create(email="ada@example.com")
    this, other = login(api_client, user.email), login(api_client, user.email)

    with django_capture_on_commit_callbacks(execute=True):
        response = api_client.post(
            URL, {"current_password": TEST_PASSWORD, "new_password": NEW_PASSWORD}, format="json", **this
        )

    assert response.status_code == 200
    assert api_client.get(ME, **this).status_code == 200
    assert api_client.get(ME, **other).status_code == 401
    assert BaseUser.objects.get().check_password(NEW_PASSWORD)
    assert [(message.to, message.subject) for message in mail.outbox] == [
        (["ada@example.com"], "Your password was changed")
    ]


def test_this_session_stays_every_other_dies():
    user = BaseUserFactory.create()
    this, other = Client(), Client()
    this.force_login(user)
    other.force_login(user)

    response = this.post(
        URL, {"current_password": TEST_PASSWORD, "new_password": NEW_PASSWORD}, content_type="application/json"
    )

    assert response.status_code == 200
    assert this.get(ME).status_code == 200
    assert other.get(ME).status_code in (401, 403)


def test_a_wrong_current_password_is_a_400_in_the_error_shape(api_client):
    user = BaseUserFactory.create()
    headers = login(api_client, user.email)

    response = api_client.post(
        URL, {"current_password": "not-it", "new_password": NEW_PASSWORD}, format="json", **headers
    )

    assert response.status_code == 400
    assert response.json() == {
        "message": "The current password is not correct.",
        "extra": {"fields": {"current_password": ["The current password is not correct."]}},
    }
    assert BaseUser.objects.get().check_password(TEST_PASSWORD)
    assert Email.objects.count() == 0


@pytest.mark.parametrize(
    ("body", "fields"),
    [
        ({}, {"current_password", "new_password"}),
        ({"current_password": TEST_PASSWORD, "new_password": "short"}, {"new_password"}),
        ({"current_password": TEST_PASSWORD, "new_password": "ada.lovelace"}, {"new_password"}),
        ({"current_password": 5, "new_password": ["x"]}, {"new_password"}),
    ],
)
def test_bad_input_is_a_400_by_field(api_client, body, fields):
    user = BaseUserFactory.create(email="ada.lovelace@example.com")
    api_client.force_authenticate(user)

    response = api_client.post(URL, body, format="json")

    assert response.status_code == 400
    assert response.json()["message"] == "Validation error"
    assert set(response.json()["extra"]["fields"]) == fields


def test_guesses_are_throttled_per_user(api_client, throttle_rates):
    throttle_rates(password_change="3/hour")
    user = BaseUserFactory.create()
    api_client.force_authenticate(user)

    statuses = [
        api_client.post(
            URL, {"current_password": f"guess-{n}", "new_password": NEW_PASSWORD}, format="json"
        ).status_code
        for n in range(4)
    ]

    assert statuses == [400, 400, 400, 429]
    # Throttled before the check: even the right password is refused now.
    right = api_client.post(URL, {"current_password": TEST_PASSWORD, "new_password": NEW_PASSWORD}, format="json")
    assert right.status_code == 429
    assert BaseUser.objects.get().check_password(TEST_PASSWORD)


@pytest.mark.usefixtures("unreachable_cache")
def test_without_the_cache_a_change_is_a_503(api_client):
    user = BaseUserFactory.create()
    api_client.force_authenticate(user)

    response = api_client.post(URL, {"current_password": TEST_PASSWORD, "new_password": NEW_PASSWORD}, format="json")

    assert response.status_code == 503
    assert BaseUser.objects.get().check_password(TEST_PASSWORD)


def test_anonymous_is_a_401(api_client):
    assert api_client.post(URL, {}, format="json").status_code == 401
