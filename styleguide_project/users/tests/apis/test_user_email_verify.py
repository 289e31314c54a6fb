import re
from urllib.parse import unquote

import pytest
from django.core import mail

from styleguide_project.users.models import BaseUser
from styleguide_project.users.services import user_email_verification_token_create
from styleguide_project.users.tests.factories import BaseUserFactory

pytestmark = pytest.mark.django_db
URL = "/api/users/me/email/verify/"


def test_register_then_verify_with_the_emailed_link(api_client, settings, django_capture_on_commit_callbacks):
    settings.EMAIL_VERIFICATION_URL = "https://app.example.com/verify-email?token={token}"

    with django_capture_on_commit_callbacks(execute=True):
        registered = api_client.post(
            "/api/users/", {"email": "ada@example.com", "password": "a-long-password-1"}, format="json"
        )
    login = api_client.post(
        "/api/auth/login/", {"email": "ada@example.com", "password": "a-long-password-1"}, format="json"
    )
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {login.json()['token']}")
    before = api_client.get("/api/users/me/").json()
    [message] = mail.outbox
    found = re.search(r"https://app\.example\.com/verify-email\?token=(\S+)", str(message.body))
    assert found is not None
    token = unquote(found.group(1))

    verified = api_client.post(URL, {"token": token}, format="json")
    again = api_client.post(URL, {"token": token}, format="json")

    assert registered.status_code == 202
    assert message.subject == "Confirm your email address"
    assert before["email_verified_at"] is None
    assert verified.status_code == 200
    assert verified.json()["email"] == "ada@example.com"
    assert verified.json()["email_verified_at"] is not None
    assert api_client.get("/api/users/me/").json()["email_verified_at"] == verified.json()["email_verified_at"]
    assert again.status_code == 400
    assert again.json()["message"] == "This email address is already verified."


def test_a_bad_token_is_a_400_in_the_error_shape(api_client):
    user = BaseUserFactory.create(email_verified_at=None)
    api_client.force_authenticate(user)

    response = api_client.post(URL, {"token": "x" * 40}, format="json")

    assert response.status_code == 400
    assert response.json() == {"message": "This verification code is not valid.", "extra": {}}


def test_another_users_token_is_refused(api_client):
    user, other = BaseUserFactory.create_batch(2, email_verified_at=None)
    api_client.force_authenticate(user)

    response = api_client.post(URL, {"token": user_email_verification_token_create(user=other)}, format="json")

    assert response.status_code == 400
    assert response.json()["message"] == "This verification code is not for this account's email address."
    assert BaseUser.objects.filter(email_verified_at__isnull=False).count() == 0


@pytest.mark.parametrize("payload", [{}, {"token": ""}, {"token": ["a"]}, {"token": "x" * 1001}])
def test_missing_or_malformed_token_is_a_400_naming_the_field(user_client, payload):
    response = user_client.post(URL, payload, format="json")

    assert response.status_code == 400
    assert set(response.json()["extra"]["fields"]) == {"token"}


def test_anonymous_is_a_401(api_client):
    response = api_client.post(URL, {"token": "x"}, format="json")

    assert response.status_code == 401
