"""Tokens expire AUTH_TOKEN_MAX_AGE_HOURS after issue, and die with the password."""

from datetime import timedelta

import pytest
from django.contrib.auth.forms import AdminPasswordChangeForm
from django.core.management import call_command
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from knox.models import AuthToken

from styleguide_project.users.tests.factories import TEST_PASSWORD

pytestmark = pytest.mark.django_db
LOGIN = "/api/auth/login/"
ME = "/api/users/me/"


def age(*, hours):
    AuthToken.objects.update(expiry=timezone.now() + timedelta(hours=24 - hours))


def me(client, key):
    return client.get(ME, HTTP_AUTHORIZATION=f"Token {key}")


def login(client, user, password=TEST_PASSWORD):
    return client.post(LOGIN, {"email": user.email, "password": password}, format="json")


def test_login_says_when_the_token_expires(api_client, user, settings):
    settings.REST_KNOX = {**settings.REST_KNOX, "TOKEN_TTL": timedelta(hours=24)}
    before = timezone.now()

    body = login(api_client, user).json()

    expires_at = parse_datetime(body["expires_at"])
    assert expires_at is not None
    assert before + timedelta(hours=24) <= expires_at <= timezone.now() + timedelta(hours=24)
    assert AuthToken.objects.get(user=user).expiry == expires_at


def test_a_token_works_until_it_expires_then_is_a_401(api_client, user):
    key = login(api_client, user).json()["token"]

    age(hours=23.9)
    assert me(api_client, key).status_code == 200
    age(hours=24.1)
    response = me(api_client, key)

    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Token"
    assert not AuthToken.objects.filter(user=user).exists()


def test_a_token_stops_working_when_the_password_changes_through_the_service_path(api_client, user):
    key = login(api_client, user).json()["token"]

    user.set_password("a-new-password-4829")
    user.save()

    assert me(api_client, key).status_code == 401
    new_key = login(api_client, user, password="a-new-password-4829").json()["token"]
    assert new_key != key
    assert me(api_client, new_key).status_code == 200


def test_a_token_stops_working_when_the_admin_password_form_changes_it(api_client, user):
    key = login(api_client, user).json()["token"]
    # The form Django's admin uses to set a user's password.
    form = AdminPasswordChangeForm(user, {"password1": "a-new-password-4829", "password2": "a-new-password-4829"})

    assert form.is_valid(), form.errors
    form.save()

    assert me(api_client, key).status_code == 401


def test_a_token_stops_working_after_changepassword(api_client, user, monkeypatch):
    key = login(api_client, user).json()["token"]
    monkeypatch.setattr("getpass.getpass", lambda prompt="": "a-new-password-4829")

    call_command("changepassword", user.email)

    assert me(api_client, key).status_code == 401


def test_saving_the_user_without_a_new_password_keeps_the_token(api_client, user):
    key = login(api_client, user).json()["token"]

    user.is_staff = True
    user.save()

    assert me(api_client, key).status_code == 200
