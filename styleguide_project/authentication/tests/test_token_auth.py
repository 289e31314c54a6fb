"""The token authentication: knox's own behaviour under `Token`, and the same under `Bearer`."""

import pytest
from knox import auth as knox_auth
from knox.models import AuthToken
from rest_framework import exceptions
from rest_framework.request import Request
from rest_framework.test import APIRequestFactory

from styleguide_project.authentication.token_auth import TokenAuthentication

pytestmark = pytest.mark.django_db
ME = "/api/users/me/"


def authenticate(authentication, header):
    request = Request(APIRequestFactory().get(ME, HTTP_AUTHORIZATION=header))
    try:
        result = authentication.authenticate(request)
    except exceptions.AuthenticationFailed as exc:
        return f"refused: {exc.detail}"
    return None if result is None else (result[0].pk, result[1].pk)


@pytest.fixture
def token(user):
    instance, key = AuthToken.objects.create(user=user)
    return instance, key


def cases(user, instance, key):
    return {
        f"Token {key}": (user.pk, instance.pk),
        f"token {key}": (user.pk, instance.pk),
        "Token": "refused: Invalid token header. No credentials provided.",
        f"Token {key} more": "refused: Invalid token header. Token string should not contain spaces.",
        "Token not-a-token": "refused: Invalid token.",
        f"Basic {key}": None,
        "": None,
    }


def test_under_knoxs_prefix_it_answers_as_stock_knox_does(user, token):
    # Stock knox is the reference: the subclass must not change what `Token` headers do.
    for header, expected in cases(user, *token).items():
        assert authenticate(knox_auth.TokenAuthentication(), header) == expected, header
        assert authenticate(TokenAuthentication(), header) == expected, header


def test_the_bearer_prefix_works_the_same(user, token):
    for header, expected in cases(user, *token).items():
        if header.lower().startswith("token"):
            bearer = "Bearer" + header[len("Token") :]
            assert authenticate(TokenAuthentication(), bearer) == expected, bearer
            # Stock knox does not read it: the reason for the subclass.
            assert authenticate(knox_auth.TokenAuthentication(), bearer) is None


def test_a_bearer_token_calls_the_api(api_client, token):
    _, key = token

    me = api_client.get(ME, HTTP_AUTHORIZATION=f"Bearer {key}")
    revoked = api_client.post("/api/auth/logout/", HTTP_AUTHORIZATION=f"Bearer {key}")
    after = api_client.get(ME, HTTP_AUTHORIZATION=f"Bearer {key}")

    assert (me.status_code, revoked.status_code, after.status_code) == (200, 204, 401)
    # The challenge stays knox's prefix.
    assert after["WWW-Authenticate"] == "Token"
