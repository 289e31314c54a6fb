import pytest

pytestmark = pytest.mark.django_db
URL = "/api/users/me/"


def test_returns_the_current_user(user_client, user):
    response = user_client.get(URL)

    assert response.status_code == 200
    assert response.json() == {
        "id": user.id,
        "email": user.email,
        "name": "",
        "pending_email": "",
        "email_verified_at": user.email_verified_at.isoformat().replace("+00:00", "Z"),
        "onboarded_at": None,
        "receives_campaigns": True,
    }


def test_anonymous_is_a_401(api_client):
    response = api_client.get(URL)

    assert response.status_code == 401
    assert response.json() == {"message": "Authentication credentials were not provided.", "extra": {}}


def test_token_authentication_works(api_client, user):
    from knox.models import AuthToken

    _, token = AuthToken.objects.create(user=user)

    response = api_client.get(URL, HTTP_AUTHORIZATION=f"Token {token}")

    assert response.status_code == 200
    assert response.json()["email"] == user.email


def test_a_bad_token_is_a_401(api_client):
    response = api_client.get(URL, HTTP_AUTHORIZATION="Token nope")

    assert response.status_code == 401
    assert response.json()["message"] == "Invalid token."
