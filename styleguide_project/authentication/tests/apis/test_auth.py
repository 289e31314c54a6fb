import pytest
from rest_framework.authtoken.models import Token

from styleguide_project.users.tests.factories import TEST_PASSWORD

pytestmark = pytest.mark.django_db
LOGIN = "/api/auth/login/"
LOGOUT = "/api/auth/logout/"


def test_login_returns_a_token_that_authenticates(api_client, user):
    response = api_client.post(LOGIN, {"email": user.email.upper(), "password": TEST_PASSWORD}, format="json")

    assert response.status_code == 200
    token = response.json()["token"]
    assert Token.objects.get(user=user).key == token
    assert api_client.get("/api/users/me/", HTTP_AUTHORIZATION=f"Token {token}").status_code == 200


@pytest.mark.parametrize("known_email", [True, False])
def test_bad_credentials_are_a_400_with_one_message(api_client, user, known_email):
    email = user.email if known_email else "nobody@example.com"

    response = api_client.post(LOGIN, {"email": email, "password": "wrong-password"}, format="json")

    assert response.status_code == 400
    assert response.json() == {"message": "Unable to log in with the provided credentials.", "extra": {}}


def test_inactive_user_cannot_log_in(api_client, user):
    user.is_active = False
    user.save()

    response = api_client.post(LOGIN, {"email": user.email, "password": TEST_PASSWORD}, format="json")

    assert response.status_code == 400


def test_missing_fields_are_a_400(api_client):
    response = api_client.post(LOGIN, {"email": 5}, format="json")

    assert response.status_code == 400
    assert set(response.json()["extra"]["fields"]) == {"email", "password"}


def test_logout_revokes_the_token(api_client, user):
    token = Token.objects.create(user=user)
    auth = {"HTTP_AUTHORIZATION": f"Token {token.key}"}

    response = api_client.post(LOGOUT, **auth)

    assert response.status_code == 204
    assert not Token.objects.filter(user=user).exists()
    assert api_client.get("/api/users/me/", **auth).status_code == 401


def test_logout_needs_authentication(api_client):
    response = api_client.post(LOGOUT)

    assert response.status_code == 401
