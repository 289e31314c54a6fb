import pytest

from styleguide_project.tasks.tests.factories import DeadLetterFactory
from styleguide_project.tasks.tests.probe_tasks import probe_always_fails
from styleguide_project.users.tests.factories import BaseUserFactory

pytestmark = pytest.mark.django_db


def test_replays_a_letter(staff_client, probe, django_capture_on_commit_callbacks):
    probe["fixed"] = True
    letter = DeadLetterFactory.create(task_name=probe_always_fails.name, kwargs={"value": 3})

    with django_capture_on_commit_callbacks(execute=True):
        response = staff_client.post(f"/api/tasks/dead-letters/{letter.id}/replay/")

    assert response.status_code == 202
    letter.refresh_from_db()
    assert letter.replayed_at is not None
    assert response.json() == {
        "id": letter.id,
        "task_name": probe_always_fails.name,
        "replayed_at": letter.replayed_at.isoformat().replace("+00:00", "Z"),
        "replayed_as": letter.replayed_as,
    }
    assert probe["runs"] == [(letter.replayed_as, 0)]


def test_a_letter_already_replayed_is_a_400(staff_client, probe, django_capture_on_commit_callbacks):
    probe["fixed"] = True
    letter = DeadLetterFactory.create(task_name=probe_always_fails.name)
    with django_capture_on_commit_callbacks(execute=True):
        staff_client.post(f"/api/tasks/dead-letters/{letter.id}/replay/")
    letter.refresh_from_db()
    assert letter.replayed_at is not None

    response = staff_client.post(f"/api/tasks/dead-letters/{letter.id}/replay/")

    assert response.status_code == 400
    assert response.json() == {
        "message": f"Dead letter {letter.id} was already replayed, as task {letter.replayed_as}.",
        "extra": {"replayed_at": letter.replayed_at.isoformat(), "replayed_as": letter.replayed_as},
    }
    assert len(probe["runs"]) == 1


def test_a_task_no_longer_registered_is_a_400_naming_it(staff_client):
    letter = DeadLetterFactory.create(task_name="tests.renamed_long_ago")

    response = staff_client.post(f"/api/tasks/dead-letters/{letter.id}/replay/")

    assert response.status_code == 400
    assert response.json() == {
        "message": "Task 'tests.renamed_long_ago' is no longer registered; its dead letters cannot be replayed.",
        "extra": {"task_name": "tests.renamed_long_ago"},
    }


def test_an_unknown_letter_is_a_404_in_the_error_shape(staff_client):
    response = staff_client.post("/api/tasks/dead-letters/987654/replay/")

    assert response.status_code == 404
    assert response.json() == {"message": "Not found.", "extra": {}}


def test_dead_letters_is_not_taken_for_a_task_id(staff_client):
    # Task progress serves /api/tasks/<task_id>/ at the same prefix.
    assert staff_client.get("/api/tasks/dead-letters/").json()["count"] == 0


def test_staff_who_may_only_view_letters_cannot_replay_one(api_client, probe):
    probe["fixed"] = True
    letter = DeadLetterFactory.create(task_name=probe_always_fails.name)
    api_client.force_authenticate(BaseUserFactory.create(is_staff=True, permissions=["tasks.view_deadletter"]))

    response = api_client.post(f"/api/tasks/dead-letters/{letter.id}/replay/")

    assert response.status_code == 403
    letter.refresh_from_db()
    assert (letter.replayed_at, probe["runs"]) == (None, [])
