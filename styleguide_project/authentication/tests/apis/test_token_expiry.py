"""Tokens expire AUTH_TOKEN_MAX_AGE_HOURS after issue; login then issues a new key."""

from datetime import timedelta

import pytest
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from rest_framework.authtoken.models import Token

from styleguide_project.users.tests.factories import TEST_PASSWORD

pytestmark = pytest.mark.django_db
LOGIN = "/api/auth/login/"
ME = "/api/users/me/"


@pytest.fixture(autouse=True)
def _max_age(settings):
    settings.AUTH_TOKEN_MAX_AGE_HOURS = 24


def age(token, *, hours):
    Token.objects.filter(pk=token.pk).update(created=timezone.now() - timedelta(hours=hours))


def me(client, key):
    return client.get(ME, HTTP_AUTHORIZATION=f"Token {key}")


def login(client, user):
    return client.post(LOGIN, {"email": user.email, "password": TEST_PASSWORD}, format="json")


def test_login_says_when_the_token_expires(api_client, user):
    body = login(api_client, user).json()

    token = Token.objects.get(key=body["token"])
    assert parse_datetime(body["expires_at"]) == token.created + timedelta(hours=24)


def test_a_token_works_until_it_expires(api_client, user):
    token = Token.objects.create(user=user)
    age(token, hours=23.9)

    assert me(api_client, token.key).status_code == 200


def test_an_expired_token_is_a_401(api_client, user):
    token = Token.objects.create(user=user)
    age(token, hours=24)

    response = me(api_client, token.key)

    assert response.status_code == 401
    assert response.json() == {"message": "Token has expired; log in again.", "extra": {}}
    assert response["WWW-Authenticate"] == "Token"


def test_login_with_an_expired_token_issues_a_new_key(api_client, user):
    old = Token.objects.create(user=user)
    age(old, hours=25)

    new_key = login(api_client, user).json()["token"]

    assert new_key != old.key
    assert me(api_client, new_key).status_code == 200
    assert me(api_client, old.key).status_code == 401


def test_login_with_a_valid_token_returns_it_without_extending_it(api_client, user):
    token = Token.objects.create(user=user)
    age(token, hours=10)
    created = Token.objects.get(pk=token.pk).created

    key = login(api_client, user).json()["token"]

    assert key == token.key
    assert Token.objects.get(pk=token.pk).created == created


def test_the_age_comes_from_settings(api_client, user, settings):
    token = Token.objects.create(user=user)
    age(token, hours=3)
    settings.AUTH_TOKEN_MAX_AGE_HOURS = 2

    assert me(api_client, token.key).status_code == 401
