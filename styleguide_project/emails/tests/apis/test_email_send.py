import pytest
from django.core import mail

from styleguide_project.emails.models import Email
from styleguide_project.emails.tests.factories import EmailFactory

pytestmark = pytest.mark.django_db
URL = "/api/emails/send/"


def test_queues_the_given_ids(staff_client, django_capture_on_commit_callbacks):
    ready, sent = EmailFactory.create(), EmailFactory.create(status=Email.Status.SENT)

    with django_capture_on_commit_callbacks(execute=True):
        response = staff_client.post(URL, {"ids": [ready.id, sent.id]}, format="json")

    assert response.status_code == 202
    assert response.json() == {"queued": 1, "ids": [ready.id]}
    assert [m.to for m in mail.outbox] == [[ready.to]]


def test_queues_every_email_in_a_status(staff_client, django_capture_on_commit_callbacks):
    EmailFactory.create_batch(3, status=Email.Status.READY)
    EmailFactory.create(status=Email.Status.FAILED)

    with django_capture_on_commit_callbacks(execute=True):
        response = staff_client.post(URL, {"status": "READY"}, format="json")

    assert response.json()["queued"] == 3
    assert Email.objects.filter(status=Email.Status.SENT).count() == 3


def test_unknown_ids_are_a_400_naming_them_and_nothing_is_queued(staff_client, django_capture_on_commit_callbacks):
    email = EmailFactory.create()

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = staff_client.post(URL, {"ids": [email.id, 424242]}, format="json")

    assert response.status_code == 400
    assert response.json()["extra"]["fields"]["ids"] == ["Unknown ids: [424242]"]
    assert callbacks == []
    email.refresh_from_db()
    assert email.status == Email.Status.READY


@pytest.mark.parametrize(
    "payload",
    [{}, {"ids": [1], "status": "READY"}, {"ids": []}, {"ids": "1,2"}, {"ids": [0]}, {"status": "SENT"}, [1, 2]],
)
def test_bad_input_is_a_400(staff_client, payload):
    response = staff_client.post(URL, payload, format="json")

    assert response.status_code == 400
    assert response.json()["message"] == "Validation error"


def test_non_staff_is_a_403(user_client):
    assert user_client.post(URL, {"status": "READY"}, format="json").status_code == 403
