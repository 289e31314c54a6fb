import pytest

from styleguide_project.users.models import BaseUser

pytestmark = pytest.mark.django_db
URL = "/api/users/"


def test_registers_a_user(api_client):
    response = api_client.post(URL, {"email": "Ada@Example.com", "password": "a-long-password-1"}, format="json")

    assert response.status_code == 201
    body = response.json()
    assert body == {"id": body["id"], "email": "ada@example.com", "onboarded_at": None}
    assert BaseUser.objects.get(id=body["id"]).check_password("a-long-password-1")


def test_duplicate_email_is_a_400(api_client, user):
    response = api_client.post(URL, {"email": user.email.upper(), "password": "a-long-password-1"}, format="json")

    assert response.status_code == 400
    assert response.json()["message"] == "A user with this email already exists."
    assert "email" in response.json()["extra"]["fields"]


@pytest.mark.parametrize(
    ("payload", "fields"),
    [
        ({}, {"email", "password"}),
        ({"email": "not-an-email", "password": "a-long-password-1"}, {"email"}),
        ({"email": ["a@example.com"], "password": 12}, {"email"}),
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
