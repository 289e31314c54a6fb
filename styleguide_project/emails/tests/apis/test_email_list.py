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

    # The caller's permissions (their own and their groups'), COUNT and SELECT: no query per email.
    with django_assert_num_queries(4):
        response = staff_client.get(URL, {"limit": 30})

    assert len(response.json()["results"]) == 30


def test_non_staff_is_a_403(user_client):
    assert user_client.get(URL).status_code == 403


def test_anonymous_is_a_401(api_client):
    assert api_client.get(URL).status_code == 401


@pytest.mark.parametrize("rows", [2, 12])
def test_list_query_count_does_not_grow_with_the_rows(staff_client, django_assert_num_queries, rows):
    # given: bulk and transactional emails
    for number in range(rows):
        EmailFactory.create(bulk=number % 2 == 0)

    # when
    with django_assert_num_queries(4):
        response = staff_client.get(URL, {"limit": 50})

    # then: the caller's permissions (two queries), COUNT and SELECT, the same at 2 rows as at 12
    assert len(response.json()["results"]) == rows


def test_list_does_not_load_the_bodies(staff_client, django_assert_num_queries):
    EmailFactory.create(html="<p>big body</p>")

    # The caller's permissions (two queries), COUNT and SELECT.
    with django_assert_num_queries(4) as captured:
        response = staff_client.get(URL)

    assert response.status_code == 200
    # The list shows no body, and bodies can be large.
    page_query = captured.captured_queries[-1]["sql"]
    assert "emails_email" in page_query
    assert '"html"' not in page_query
    assert '"plain_text"' not in page_query


@pytest.mark.parametrize("query", ["to=", "status=", "status=SOMETIMES"])
def test_an_empty_or_unknown_filter_is_a_400_not_the_whole_list(staff_client, query):
    EmailFactory.create()

    response = staff_client.get(f"{URL}?{query}")

    assert response.status_code == 400
    assert list(response.json()["extra"]["fields"]) == [query.split("=")[0]]
