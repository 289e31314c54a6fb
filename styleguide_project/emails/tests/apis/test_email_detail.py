import pytest

from styleguide_project.emails.tests.factories import EmailFactory

pytestmark = pytest.mark.django_db


def test_staff_reads_an_email_with_its_bodies(staff_client):
    email = EmailFactory.create(html="<p>x</p>", plain_text="x")

    response = staff_client.get(f"/api/emails/{email.id}/")

    assert response.status_code == 200
    assert response.json()["id"] == email.id
    assert (response.json()["html"], response.json()["plain_text"]) == ("<p>x</p>", "x")


def test_unknown_id_is_a_404(staff_client):
    response = staff_client.get("/api/emails/999999/")

    assert response.status_code == 404
    assert response.json() == {"message": "Not found.", "extra": {}}


def test_non_staff_is_a_403(user_client):
    email = EmailFactory.create()

    assert user_client.get(f"/api/emails/{email.id}/").status_code == 403
