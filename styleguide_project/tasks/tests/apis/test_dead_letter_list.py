import pytest
from django.utils import timezone

from styleguide_project.tasks.tests.factories import DeadLetterFactory

pytestmark = pytest.mark.django_db


def test_lists_the_letters_newest_first_in_pages(staff_client):
    old, new = DeadLetterFactory.create_batch(2)

    response = staff_client.get("/api/tasks/dead-letters/", {"limit": 1})

    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 2
    assert body["previous"] is None
    assert body["next"].endswith("/api/tasks/dead-letters/?limit=1&offset=1")
    assert body["results"] == [
        {
            "id": new.id,
            "task_name": "tests.probe_always_fails",
            "task_registered": True,
            "task_id": new.task_id,
            "kwargs": new.kwargs,
            "exception_type": new.exception_type,
            "exception_message": "still broken",
            "traceback": new.traceback,
            "attempts": 1,
            "first_failed_at": new.first_failed_at.isoformat().replace("+00:00", "Z"),
            "last_failed_at": new.last_failed_at.isoformat().replace("+00:00", "Z"),
            "replayed_at": None,
            "replayed_as": "",
            "created_at": new.created_at.isoformat().replace("+00:00", "Z"),
        }
    ]
    assert old.id != new.id


def test_filters_by_task_name_and_day(staff_client):
    wanted = DeadLetterFactory.create(task_name="emails.email_send_batch")
    DeadLetterFactory.create(task_name="tests.probe_always_fails")
    today = timezone.localdate().isoformat()

    by_name = staff_client.get("/api/tasks/dead-letters/", {"task_name": "emails.email_send_batch"}).json()
    by_day = staff_client.get("/api/tasks/dead-letters/", {"day": today}).json()
    another_day = staff_client.get("/api/tasks/dead-letters/", {"day": "2001-01-01"}).json()

    assert [letter["id"] for letter in by_name["results"]] == [wanted.id]
    assert by_day["count"] == 2
    assert another_day["count"] == 0


def test_a_task_no_longer_registered_shows_as_such(staff_client):
    DeadLetterFactory.create(task_name="tests.renamed_long_ago")

    [letter] = staff_client.get("/api/tasks/dead-letters/").json()["results"]

    assert (letter["task_name"], letter["task_registered"]) == ("tests.renamed_long_ago", False)


def test_a_bad_day_is_a_400_in_the_error_shape(staff_client):
    response = staff_client.get("/api/tasks/dead-letters/", {"day": "yesterday"})

    assert response.status_code == 400
    assert response.json()["message"] == "Validation error"
    assert list(response.json()["extra"]["fields"]) == ["day"]


def test_non_staff_is_a_403(user_client):
    assert user_client.get("/api/tasks/dead-letters/").status_code == 403


@pytest.mark.parametrize("query", ["task_name=", "day=", "day=yesterday"])
def test_an_empty_or_malformed_filter_is_a_400(staff_client, query):
    response = staff_client.get(f"/api/tasks/dead-letters/?{query}")

    assert response.status_code == 400
    assert list(response.json()["extra"]["fields"]) == [query.split("=")[0]]
