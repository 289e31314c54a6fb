import pytest
from django.test import Client

from styleguide_project.users.tests.factories import TEST_PASSWORD, BaseUserFactory

pytestmark = pytest.mark.django_db


def test_logs_in_with_any_case_of_the_email_and_goes_back_to_next():
    user = BaseUserFactory.create(email="ada@example.com")
    client = Client()

    response = client.post(
        "/accounts/login/", {"username": "Ada@Example.com", "password": TEST_PASSWORD, "next": "/tasks/x/progress/"}
    )

    assert response.status_code == 302
    assert response["Location"] == "/tasks/x/progress/"
    assert client.session["_auth_user_id"] == str(user.id)


def test_a_next_off_this_site_is_ignored():
    BaseUserFactory.create(email="ada@example.com")

    response = Client().post(
        "/accounts/login/", {"username": "ada@example.com", "password": TEST_PASSWORD, "next": "https://evil.example/"}
    )

    assert response["Location"] == "/api/docs/"


def test_wrong_credentials_show_the_form_again():
    BaseUserFactory.create(email="ada@example.com")

    response = Client().post("/accounts/login/", {"username": "ada@example.com", "password": "nope"})

    assert response.status_code == 200
    assert "Please enter a correct" in response.content.decode()


def test_logout_is_post_only():
    client = Client()
    client.force_login(BaseUserFactory.create())

    assert client.get("/accounts/logout/").status_code == 405
    assert client.post("/accounts/logout/")["Location"] == "/accounts/login/"
    assert "_auth_user_id" not in client.session
