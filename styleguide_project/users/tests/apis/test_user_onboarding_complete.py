import pytest
from django.core import mail

from styleguide_project.emails.models import Email

pytestmark = pytest.mark.django_db
URL = "/api/users/me/onboarding/complete/"


def test_completes_onboarding_and_queues_one_email_on_commit(user_client, user, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = user_client.post(URL)

    assert response.status_code == 200
    assert response.json()["id"] == user.id
    assert response.json()["onboarded_at"] is not None
    assert len(callbacks) == 1
    [email] = Email.objects.all()
    assert email.status == Email.Status.SENT
    assert [m.to for m in mail.outbox] == [[user.email]]


def test_second_call_is_a_400(user_client, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        user_client.post(URL)

    response = user_client.post(URL)

    assert response.status_code == 400
    assert response.json()["message"] == "Onboarding is already complete."
    assert Email.objects.count() == 1


def test_anonymous_is_a_401(api_client):
    response = api_client.post(URL)

    assert response.status_code == 401
    assert Email.objects.count() == 0


def test_get_is_a_405(user_client):
    response = user_client.get(URL)

    assert response.status_code == 405
    assert set(response.json()) == {"message", "extra"}
