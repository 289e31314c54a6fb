import re
from urllib.parse import unquote

import pytest
from django.core import mail

from styleguide_project.emails.models import Email
from styleguide_project.users.models import BaseUser
from styleguide_project.users.tests.factories import TEST_PASSWORD, BaseUserFactory

pytestmark = pytest.mark.django_db
URL = "/api/users/me/email/"
CONFIRM_URL = "/api/users/email/confirm/"


@pytest.fixture
def ada_client(api_client):
    user = BaseUserFactory.create(email="ada@example.com")
    api_client.force_authenticate(user)
    api_client.user = user
    return api_client


def _link_to(address: str) -> str:
    body = next(str(message.body) for message in mail.outbox if message.to == [address])
    return re.findall(r"(http\S+token=\S+)", body)[-1]


def test_the_answer_is_the_same_whether_or_not_the_address_is_taken(ada_client, django_capture_on_commit_callbacks):
    BaseUserFactory.create(email="taken@example.com")

    with django_capture_on_commit_callbacks(execute=True):
        free = ada_client.post(URL, {"email": "Free@Example.com", "password": TEST_PASSWORD}, format="json")
        taken = ada_client.post(URL, {"email": "taken@example.com", "password": TEST_PASSWORD}, format="json")

    assert (free.status_code, taken.status_code) == (202, 202)
    assert set(free.json()) == set(taken.json()) == {"pending_email", "message"}
    assert free.json()["message"] == taken.json()["message"]
    assert free.json()["pending_email"] == "free@example.com"
    # The link goes to the free address only; the old one hears of both.
    assert sorted(message.to[0] for message in mail.outbox) == [
        "ada@example.com",
        "ada@example.com",
        "free@example.com",
    ]


def test_the_link_opens_this_projects_page_and_the_api_confirms_it_without_login(
    ada_client, api_client, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        ada_client.post(URL, {"email": "new@example.com", "password": TEST_PASSWORD}, format="json")
    link = _link_to("new@example.com")
    assert link.startswith("http://testserver/users/email/confirm/?token=")

    anonymous = type(api_client)()
    response = anonymous.post(CONFIRM_URL, {"token": unquote(link.split("token=")[1])}, format="json")

    assert response.status_code == 200
    assert response.json()["email"] == "new@example.com"
    assert BaseUser.objects.get(id=ada_client.user.id).email == "new@example.com"


def test_a_wrong_password_is_a_400_in_the_error_shape_and_sends_nothing(ada_client):
    response = ada_client.post(URL, {"email": "new@example.com", "password": "wrong"}, format="json")

    assert response.status_code == 400
    assert response.json() == {
        "message": "The password is not correct.",
        "extra": {"fields": {"password": ["The password is not correct."]}},
    }
    assert Email.objects.count() == 0


def test_a_bad_address_is_a_validation_error(ada_client):
    response = ada_client.post(URL, {"email": "not-an-address", "password": TEST_PASSWORD}, format="json")

    assert response.status_code == 400
    assert "email" in response.json()["extra"]["fields"]


def test_is_throttled_per_user(ada_client, throttle_rates):
    throttle_rates(email_change="2/hour")
    body = {"email": "new@example.com", "password": TEST_PASSWORD}

    statuses = [ada_client.post(URL, body, format="json").status_code for _ in range(3)]

    assert statuses == [202, 202, 429]
    assert Email.objects.count() == 4


def test_password_guesses_are_throttled(ada_client, throttle_rates):
    throttle_rates(password_check="2/hour")
    body = {"email": "new@example.com", "password": "guess"}

    statuses = [ada_client.post(URL, body, format="json").status_code for _ in range(3)]

    assert statuses == [400, 400, 429]


def test_refuses_with_503_and_sends_nothing_when_the_cache_is_down(ada_client, unreachable_cache):
    response = ada_client.post(URL, {"email": "new@example.com", "password": TEST_PASSWORD}, format="json")

    assert response.status_code == 503
    assert set(response.json()) == {"message", "extra"}
    assert Email.objects.count() == 0


def test_anonymous_is_a_401(api_client):
    assert api_client.post(URL, {"email": "new@example.com", "password": "x"}, format="json").status_code == 401


def test_confirming_a_bad_token_is_a_400(api_client):
    response = api_client.post(CONFIRM_URL, {"token": "nope"}, format="json")

    assert response.status_code == 400
    assert response.json() == {"message": "This link is not valid.", "extra": {}}


def test_confirming_is_throttled_per_client_address(api_client, throttle_rates):
    throttle_rates(email_change_confirm="2/hour")

    statuses = [api_client.post(CONFIRM_URL, {"token": "nope"}, format="json").status_code for _ in range(3)]

    assert statuses == [400, 400, 429]
