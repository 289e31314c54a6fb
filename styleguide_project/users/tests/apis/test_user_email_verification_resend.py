import pytest
from django.core import mail

from styleguide_project.emails.models import Email
from styleguide_project.users.tests.factories import BaseUserFactory

pytestmark = pytest.mark.django_db
URL = "/api/users/me/email/verify/resend/"


@pytest.fixture
def unverified_client(api_client):
    user = BaseUserFactory.create(email="ada@example.com", email_verified_at=None)
    api_client.force_authenticate(user)
    return api_client


def test_sends_a_new_link(unverified_client, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = unverified_client.post(URL)

    assert response.status_code == 202
    assert response.json() == {
        "email": "ada@example.com",
        "message": "We have sent a new verification code to this address.",
    }
    assert [message.to for message in mail.outbox] == [["ada@example.com"]]


def test_is_throttled_per_user_with_retry_after(unverified_client, throttle_rates):
    throttle_rates(email_verification_resend="2/hour")

    statuses = [unverified_client.post(URL).status_code for _ in range(3)]

    assert statuses == [202, 202, 429]
    response = unverified_client.post(URL)
    assert response.status_code == 429
    assert int(response["Retry-After"]) > 0
    assert set(response.json()) == {"message", "extra"}
    assert Email.objects.count() == 2


def test_a_verified_address_is_a_400(user_client):
    response = user_client.post(URL)

    assert response.status_code == 400
    assert response.json()["message"] == "This email address is already verified."
    assert Email.objects.count() == 0


def test_anonymous_is_a_401(api_client):
    assert api_client.post(URL).status_code == 401


@pytest.mark.parametrize("method", ["get", "put", "patch", "delete"])
def test_a_wrong_method_does_not_spend_the_budget(unverified_client, throttle_rates, method):
    throttle_rates(email_verification_resend="1/hour")

    probes = [getattr(unverified_client, method)(URL).status_code for _ in range(3)]
    sent = unverified_client.post(URL)

    assert probes == [405] * 3
    assert sent.status_code == 202
    assert Email.objects.count() == 1
