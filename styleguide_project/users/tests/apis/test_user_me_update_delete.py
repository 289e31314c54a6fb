import pytest
from django.core import mail
from knox.models import AuthToken

from styleguide_project.emails.models import Email
from styleguide_project.emails.tests.factories import EmailFactory
from styleguide_project.users.models import BaseUser
from styleguide_project.users.tests.factories import TEST_PASSWORD, BaseUserFactory

pytestmark = pytest.mark.django_db
URL = "/api/users/me/"


@pytest.fixture
def ada():
    return BaseUserFactory.create(email="ada@example.com")


@pytest.fixture
def ada_client(api_client, ada):
    _, token = AuthToken.objects.create(user=ada)
    api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    return api_client


def test_patch_changes_the_name_and_nothing_else(ada, ada_client):
    response = ada_client.patch(
        URL, {"name": "Ada Lovelace", "email": "x@example.com", "is_staff": True}, format="json"
    )

    assert response.status_code == 200
    assert response.json()["name"] == "Ada Lovelace"
    stored = BaseUser.objects.get(id=ada.id)
    assert (stored.name, stored.email, stored.is_staff) == ("Ada Lovelace", "ada@example.com", False)


def test_patch_refuses_a_name_too_long_in_the_error_shape(ada_client):
    response = ada_client.patch(URL, {"name": "x" * 151}, format="json")

    assert response.status_code == 400
    assert set(response.json()) == {"message", "extra"}
    assert "name" in response.json()["extra"]["fields"]


def test_patch_turns_campaigns_off_and_on_again(ada, ada_client):
    off = ada_client.patch(URL, {"receives_campaigns": False}, format="json")
    shown = ada_client.get(URL)
    on = ada_client.patch(URL, {"receives_campaigns": True}, format="json")

    assert off.status_code == on.status_code == 200
    assert off.json()["receives_campaigns"] is False
    assert shown.json()["receives_campaigns"] is False
    assert on.json()["receives_campaigns"] is True
    assert BaseUser.objects.get(id=ada.id).receives_campaigns is True


def test_patch_of_the_name_leaves_the_campaign_choice_alone(ada, ada_client):
    BaseUser.objects.filter(id=ada.id).update(receives_campaigns=False)

    response = ada_client.patch(URL, {"name": "Ada"}, format="json")

    assert response.json()["receives_campaigns"] is False


@pytest.mark.parametrize("value", ["false", 0, None])
def test_patch_refuses_a_campaign_choice_that_is_not_a_boolean(ada, ada_client, value):
    response = ada_client.patch(URL, {"receives_campaigns": value}, format="json")

    assert response.status_code == 400
    assert "receives_campaigns" in response.json()["extra"]["fields"]
    assert BaseUser.objects.get(id=ada.id).receives_campaigns is True


def test_get_shows_the_profile_and_a_pending_address(ada, ada_client):
    ada.pending_email = "new@example.com"
    ada.save()

    body = ada_client.get(URL).json()

    assert (body["name"], body["pending_email"]) == ("", "new@example.com")


def test_delete_with_the_password_deletes_and_confirms(ada, ada_client, django_capture_on_commit_callbacks):
    queued = EmailFactory.create(to="ada@example.com", status=Email.Status.READY)

    with django_capture_on_commit_callbacks(execute=True):
        response = ada_client.delete(URL, {"password": TEST_PASSWORD}, format="json")

    assert response.status_code == 204
    assert not BaseUser.objects.filter(id=ada.id).exists()
    queued.refresh_from_db()
    assert queued.status == Email.Status.CANCELLED
    assert [message.subject for message in mail.outbox] == ["Your account has been deleted"]
    # The token it was sent with died with the account.
    assert ada_client.get(URL).status_code == 401


@pytest.mark.parametrize("body", [{}, {"password": "wrong"}])
def test_delete_without_the_right_password_is_a_400_and_deletes_nothing(ada, ada_client, body):
    response = ada_client.delete(URL, body, format="json")

    assert response.status_code == 400
    assert "password" in response.json()["extra"]["fields"]
    assert BaseUser.objects.filter(id=ada.id).exists()


def test_delete_is_throttled_as_a_password_check(ada_client, throttle_rates):
    throttle_rates(password_check="2/hour")

    statuses = [ada_client.delete(URL, {"password": "wrong"}, format="json").status_code for _ in range(3)]

    assert statuses == [400, 400, 429]
    # Reading the profile is not a password check.
    assert ada_client.get(URL).status_code == 200


def test_delete_refuses_with_503_when_the_cache_is_down(ada, ada_client, unreachable_cache):
    assert ada_client.delete(URL, {"password": TEST_PASSWORD}, format="json").status_code == 503
    assert BaseUser.objects.filter(id=ada.id).exists()


def test_patch_refuses_a_name_that_is_not_a_string(ada, ada_client):
    response = ada_client.patch(URL, {"name": 0}, format="json")

    assert response.status_code == 400
    assert response.json()["extra"]["fields"] == {"name": ["Not a valid string."]}
    assert BaseUser.objects.get(id=ada.id).name == ""
