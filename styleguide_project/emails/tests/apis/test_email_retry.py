import pytest
from django.core import mail

from styleguide_project.emails.models import Email
from styleguide_project.emails.tests.factories import EmailFactory

pytestmark = pytest.mark.django_db


def test_retries_a_failed_email(staff_client, django_capture_on_commit_callbacks):
    email = EmailFactory.create(status=Email.Status.FAILED)

    with django_capture_on_commit_callbacks(execute=True):
        response = staff_client.post(f"/api/emails/{email.id}/retry/")

    assert response.status_code == 202
    assert response.json() == {"id": email.id, "status": "SENDING"}
    email.refresh_from_db()
    assert email.status == Email.Status.SENT
    assert len(mail.outbox) == 1


@pytest.mark.parametrize("status", [Email.Status.READY, Email.Status.SENDING, Email.Status.SENT])
def test_any_other_status_is_a_400(staff_client, status):
    email = EmailFactory.create(status=status)

    response = staff_client.post(f"/api/emails/{email.id}/retry/")

    assert response.status_code == 400
    assert response.json()["message"] == f"Only FAILED emails can be retried; this one is {status}."


def test_unknown_id_is_a_404(staff_client):
    assert staff_client.post("/api/emails/987654/retry/").status_code == 404


def test_non_staff_is_a_403(user_client):
    email = EmailFactory.create(status=Email.Status.FAILED)

    assert user_client.post(f"/api/emails/{email.id}/retry/").status_code == 403
