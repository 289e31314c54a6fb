import re

import pytest
from django.test import Client
from django.urls import NoReverseMatch, reverse

from styleguide_project.task_progress.tests.factories import TaskOwnershipFactory
from styleguide_project.tasks.app.celery import app as celery_app
from styleguide_project.users.tests.factories import BaseUserFactory

pytestmark = pytest.mark.django_db


def page_url(task_id):
    return reverse("task:progress", kwargs={"task_id": task_id})


def data_url(task_id):
    return reverse("task:progress-data", kwargs={"task_id": task_id})


def without_csrf_token(content: bytes) -> str:
    # The logout form's token is masked differently in every response.
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", content.decode())


def logged_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_the_url_name_is_task_progress():
    assert page_url("abc") == "/tasks/abc/progress/"
    assert data_url("abc") == "/tasks/abc/progress/data/"


def test_the_owner_sees_the_bar_and_the_description():
    ownership = TaskOwnershipFactory.create()
    celery_app.backend.store_result(
        ownership.task_id,
        {"current": 2, "total": 6, "percent": 33.33, "description": "Queued 2 of 6 emails"},
        "PROGRESS",
    )

    response = logged_in(ownership.user).get(page_url(ownership.task_id))

    assert response.status_code == 200
    html = response.content.decode()
    assert 'role="progressbar"' in html
    assert 'aria-valuenow="33.33"' in html
    # No inline style (Content-Security-Policy): progress.js sets the width from aria-valuenow.
    assert "style=" not in html
    assert "Queued 2 of 6 emails" in html
    assert "2 of 6 (33.33%)" in html
    assert f'data-progress-url="{data_url(ownership.task_id)}"' in html
    assert response["Cache-Control"].startswith("max-age=0")


def test_the_bar_script_is_celery_progress_from_our_static_files():
    ownership = TaskOwnershipFactory.create()

    html = logged_in(ownership.user).get(page_url(ownership.task_id)).content.decode()

    scripts = re.findall(r'<script src="([^"]+)"', html)
    assert scripts == ["/static/celery_progress/celery_progress.js", "/static/task_progress/progress.js"]
    # No inline script: the settings travel in data attributes.
    assert "<script>" not in html


def test_a_pending_run_says_it_is_waiting():
    ownership = TaskOwnershipFactory.create()

    html = logged_in(ownership.user).get(page_url(ownership.task_id)).content.decode()

    assert "Waiting for the task to start" in html
    assert 'data-state="PENDING"' in html
    # No count before the run reports one (celery-progress would say 0 of 100).
    assert '<span id="progress-count" class="progress-count"></span>' in html


@pytest.mark.task_failure_expected
def test_a_failed_run_shows_its_message_and_no_traceback(queue_for, user):
    ownership = queue_for(user, steps=2, fail_with="The export ran out of disk space.")

    response = logged_in(user).get(page_url(ownership.task_id))

    html = response.content.decode()
    assert response.status_code == 200
    assert 'data-state="FAILURE"' in html
    assert re.search(r'<p id="task-error" class="error" role="alert">The export ran out of disk space\.</p>', html)
    assert "Traceback" not in html
    assert "progress_steps" in html  # the task's name, not its code


def test_a_finished_run_links_to_its_redirect(queue_for, user):
    ownership = queue_for(user, steps=2, redirect="/admin/")

    html = logged_in(user).get(page_url(ownership.task_id)).content.decode()

    assert 'data-state="SUCCESS"' in html
    assert '<a id="task-redirect" href="/admin/">Continue</a>' in html


def test_staff_allowed_to_view_runs_see_anyones_run():
    ownership = TaskOwnershipFactory.create()
    staff = BaseUserFactory.create(is_staff=True, permissions=["task_progress.view_taskownership"])
    response = logged_in(staff).get(page_url(ownership.task_id))

    assert response.status_code == 200


def test_staff_without_that_permission_get_the_404_of_an_unknown_id():
    ownership = TaskOwnershipFactory.create()

    response = logged_in(BaseUserFactory.create(is_staff=True)).get(page_url(ownership.task_id))

    assert response.status_code == 404


def test_another_user_gets_the_same_404_as_for_an_unknown_id():
    ownership = TaskOwnershipFactory.create()
    other = logged_in(BaseUserFactory.create())

    theirs = other.get(page_url(ownership.task_id))
    unknown = other.get(page_url("0d6e9a4e-1c54-4f0c-8d0a-6a2c6f1f5d1e"))

    assert theirs.status_code == unknown.status_code == 404
    assert without_csrf_token(theirs.content) == without_csrf_token(unknown.content)
    assert "No such task" in theirs.content.decode()


@pytest.mark.parametrize("task_id", ["not a task", "%00", "x" * 300, "ünïcode", "1;select"])
def test_a_malformed_id_is_a_clear_404_not_a_500(user, task_id):
    response = logged_in(user).get(f"/tasks/{task_id}/progress/")

    assert response.status_code == 404
    assert "No such task" in response.content.decode()


def test_an_anonymous_visitor_is_sent_to_log_in_and_back():
    ownership = TaskOwnershipFactory.create()

    response = Client().get(page_url(ownership.task_id))

    assert response.status_code == 302
    assert response["Location"] == f"/accounts/login/?next={page_url(ownership.task_id)}"


def test_the_data_is_celery_progress_json_for_the_owner():
    ownership = TaskOwnershipFactory.create()
    celery_app.backend.store_result(ownership.task_id, {"process_percent": 40}, "PROGRESS")

    response = logged_in(ownership.user).get(data_url(ownership.task_id))

    assert response.status_code == 200
    assert response.json() == {
        "state": "PROGRESS",
        "complete": False,
        "success": None,
        "progress": {"pending": False, "current": 40, "total": 100, "percent": 40.0, "description": ""},
    }
    assert response["Cache-Control"].startswith("max-age=0")


@pytest.mark.parametrize("who", ["anonymous", "other user"])
def test_the_data_is_a_404_for_anyone_else(who):
    ownership = TaskOwnershipFactory.create()
    client = Client() if who == "anonymous" else logged_in(BaseUserFactory.create())

    response = client.get(data_url(ownership.task_id))

    assert response.status_code == 404
    assert response.json() == {"message": "No such task.", "extra": {}}


def test_the_data_only_answers_get():
    ownership = TaskOwnershipFactory.create()

    assert logged_in(ownership.user).post(data_url(ownership.task_id)).status_code == 405


def test_celery_progress_own_unauthenticated_urls_are_not_mounted():
    ownership = TaskOwnershipFactory.create()

    with pytest.raises(NoReverseMatch):
        reverse("celery_progress:task_status", kwargs={"task_id": ownership.task_id})
    for url in [f"/celery-progress/{ownership.task_id}/", f"/celery_progress/{ownership.task_id}/"]:
        assert Client().get(url).status_code == 404
