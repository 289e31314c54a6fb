import pytest

from styleguide_project.task_progress.tests.factories import TaskOwnershipFactory
from styleguide_project.tasks.app.celery import app as celery_app
from styleguide_project.users.tests.factories import BaseUserFactory

pytestmark = pytest.mark.django_db


def url(task_id):
    return f"/api/tasks/{task_id}/"


def test_the_owner_reads_state_progress_and_result(queue_for, user, user_client):
    ownership = queue_for(user, steps=3, redirect="/admin/")

    response = user_client.get(url(ownership.task_id))

    assert response.status_code == 200
    assert response.json() == {
        "task_id": ownership.task_id,
        "task_name": "tests.progress_steps",
        "state": "SUCCESS",
        "complete": True,
        "success": True,
        # The run's own last count (3 steps), not celery-progress's 100 of 100.
        "progress": {"current": 3, "total": 3, "percent": 100.0, "description": ""},
        "result": {"redirect": "/admin/"},
        "error": "",
    }


def test_a_running_task_shows_its_progress(user, user_client):
    ownership = TaskOwnershipFactory.create(user=user)
    celery_app.backend.store_result(
        ownership.task_id,
        {"current": 4, "total": 6, "percent": 66.67, "description": "Queued 4 of 6 emails"},
        "PROGRESS",
    )

    body = user_client.get(url(ownership.task_id)).json()

    assert (body["state"], body["complete"], body["success"], body["result"]) == ("PROGRESS", False, None, None)
    assert body["progress"] == {"current": 4, "total": 6, "percent": 66.67, "description": "Queued 4 of 6 emails"}


@pytest.mark.task_failure_expected
def test_a_failed_task_gives_its_error(queue_for, user, user_client):
    ownership = queue_for(user, steps=1, fail_with="No recipients left.")

    body = user_client.get(url(ownership.task_id)).json()

    assert (body["state"], body["complete"], body["success"]) == ("FAILURE", True, False)
    assert body["error"] == "No recipients left."
    assert body["result"] is None


def test_staff_read_anyones_task(staff_client):
    ownership = TaskOwnershipFactory.create()

    assert staff_client.get(url(ownership.task_id)).status_code == 200


def test_staff_without_the_view_permission_get_404_like_an_unknown_id(api_client):
    ownership = TaskOwnershipFactory.create()
    api_client.force_authenticate(BaseUserFactory.create(is_staff=True))

    response = api_client.get(url(ownership.task_id))

    assert response.status_code == 404


def test_another_user_gets_404_like_an_unknown_id(user_client):
    ownership = TaskOwnershipFactory.create()

    theirs = user_client.get(url(ownership.task_id))
    unknown = user_client.get(url("0d6e9a4e-1c54-4f0c-8d0a-6a2c6f1f5d1e"))

    assert theirs.status_code == unknown.status_code == 404
    assert theirs.json() == unknown.json() == {"message": "Not found.", "extra": {}}


@pytest.mark.parametrize("task_id", ["not a task", "x" * 300, "ünïcode"])
def test_a_malformed_id_is_a_404(user_client, task_id):
    response = user_client.get(url(task_id))

    assert response.status_code == 404
    assert response.json()["message"] == "Not found."


def test_anonymous_is_a_401(api_client):
    ownership = TaskOwnershipFactory.create()

    response = api_client.get(url(ownership.task_id))

    assert response.status_code == 401
    assert set(response.json()) == {"message", "extra"}


def test_before_the_start_no_total_is_made_up(user, user_client):
    ownership = TaskOwnershipFactory.create(user=user)

    body = user_client.get(url(ownership.task_id)).json()

    assert body["state"] == "PENDING"
    assert body["progress"] == {"current": 0, "total": None, "percent": 0.0, "description": ""}
