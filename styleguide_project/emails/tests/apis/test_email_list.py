import pytest

from styleguide_project.emails.models import Email
from styleguide_project.emails.tests.factories import EmailFactory

pytestmark = pytest.mark.django_db
URL = "/api/emails/"


def test_staff_lists_emails_newest_first_with_pagination(staff_client):
    emails = EmailFactory.create_batch(3)

    response = staff_client.get(URL, {"limit": 2})

    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 3
    assert [e["id"] for e in body["results"]] == [emails[2].id, emails[1].id]
    assert body["next"] is not None
    assert body["previous"] is None
    assert set(body["results"][0]) == {
        "id", "to", "subject", "status", "attempts", "last_error", "sent_at", "created_at",
    }  # fmt: skip


def test_filters_by_status_and_recipient(staff_client):
    EmailFactory.create(status=Email.Status.SENT, to="ada@example.com")
    wanted = EmailFactory.create(status=Email.Status.FAILED, to="ada@example.com")
    EmailFactory.create(status=Email.Status.FAILED, to="bob@example.com")

    response = staff_client.get(URL, {"status": "FAILED", "to": "ADA@example.com"})

    assert [e["id"] for e in response.json()["results"]] == [wanted.id]


def test_bad_filter_is_a_400(staff_client):
    response = staff_client.get(URL, {"status": "LOST"})

    assert response.status_code == 400
    assert set(response.json()["extra"]["fields"]) == {"status"}


def test_list_costs_two_queries_whatever_the_page_size(staff_client, django_assert_num_queries):
    EmailFactory.create_batch(30)

    # COUNT and SELECT: no query per email.
    with django_assert_num_queries(2):
        response = staff_client.get(URL, {"limit": 30})

    assert len(response.json()["results"]) == 30


def test_non_staff_is_a_403(user_client):
    assert user_client.get(URL).status_code == 403


def test_anonymous_is_a_401(api_client):
    assert api_client.get(URL).status_code == 401
