import pytest
from django.utils import timezone

from styleguide_project.tasks.tests.factories import DeadLetterFactory
from styleguide_project.users.tests.factories import BaseUserFactory

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


@pytest.mark.parametrize("day", ["9999-12-31", "0001-01-01"])
def test_a_day_whose_bounds_no_time_can_hold_is_a_400(staff_client, settings, day):
    # Ahead of UTC, the first day starts before year 1 in UTC; the last one ends in year 10000 anywhere.
    settings.TIME_ZONE = "Asia/Tokyo"

    response = staff_client.get("/api/tasks/dead-letters/", {"day": day})

    assert response.status_code == 400
    assert response.json()["extra"]["fields"] == {"day": [f"{day} is outside the dates that can be searched."]}


def test_the_last_day_that_can_be_searched_is_searched(staff_client):
    DeadLetterFactory.create()

    response = staff_client.get("/api/tasks/dead-letters/", {"day": "9999-12-30"})

    assert (response.status_code, response.json()["count"]) == (200, 0)


def test_staff_without_the_view_permission_get_403(api_client):
    DeadLetterFactory.create()
    api_client.force_authenticate(BaseUserFactory.create(is_staff=True, permissions=["tasks.change_deadletter"]))

    response = api_client.get("/api/tasks/dead-letters/")

    assert response.status_code == 403
    assert response.json() == {"message": "This needs the permission tasks.view_deadletter.", "extra": {}}


def test_staff_with_exactly_the_view_permission_list_the_letters(api_client):
    DeadLetterFactory.create()
    api_client.force_authenticate(BaseUserFactory.create(is_staff=True, permissions=["tasks.view_deadletter"]))

    assert api_client.get("/api/tasks/dead-letters/").json()["count"] == 1
