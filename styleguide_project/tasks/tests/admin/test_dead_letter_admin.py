import pytest
from django.urls import reverse
from django.utils import timezone

from styleguide_project.tasks.tests.factories import DeadLetterFactory
from styleguide_project.tasks.tests.probe_tasks import probe_always_fails
from styleguide_project.users.tests.factories import BaseUserFactory

pytestmark = pytest.mark.django_db

CHANGELIST = "admin:tasks_deadletter_changelist"


@pytest.fixture
def admin_client(client):
    client.force_login(BaseUserFactory.create(is_staff=True, is_superuser=True))
    return client


def test_replay_selected_replays_each_letter_and_names_those_it_cannot(
    admin_client, probe, django_capture_on_commit_callbacks
):
    probe["fixed"] = True
    first, second = DeadLetterFactory.create_batch(2, task_name=probe_always_fails.name)
    gone = DeadLetterFactory.create(task_name="tests.renamed_long_ago")

    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(
            reverse(CHANGELIST),
            {"action": "replay_selected", "_selected_action": [first.id, second.id, gone.id]},
            follow=True,
        )

    assert response.status_code == 200
    page = response.content.decode()
    assert "Replayed 2 dead letter(s)." in page
    assert "Task &#x27;tests.renamed_long_ago&#x27; is no longer registered" in page
    first.refresh_from_db()
    second.refresh_from_db()
    gone.refresh_from_db()
    assert sorted(probe["runs"]) == sorted([(first.replayed_as, 0), (second.replayed_as, 0)])
    assert gone.replayed_at is None


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({"task_name": "emails.email_send_batch"}, {"emails.email_send_batch"}),
        ({"replayed": "yes"}, {"tests.probe_echo"}),
        ({"replayed": "no"}, {"emails.email_send_batch", "tests.probe_always_fails"}),
    ],
)
def test_the_list_filters_by_task_and_replayed(admin_client, query, expected):
    DeadLetterFactory.create(task_name="emails.email_send_batch")
    DeadLetterFactory.create(task_name="tests.probe_always_fails")
    DeadLetterFactory.create(task_name="tests.probe_echo", replayed_at=timezone.now(), replayed_as="x")

    response = admin_client.get(reverse(CHANGELIST), query)

    assert response.status_code == 200
    assert {letter.task_name for letter in response.context["cl"].result_list} == expected


def test_the_list_filters_by_day(admin_client):
    letter = DeadLetterFactory.create()
    today = timezone.localdate(letter.created_at)

    shown = admin_client.get(
        reverse(CHANGELIST),
        {"created_at__year": today.year, "created_at__month": today.month, "created_at__day": today.day},
    )
    other_day = admin_client.get(reverse(CHANGELIST), {"created_at__year": 2001})

    assert list(shown.context["cl"].result_list) == [letter]
    assert list(other_day.context["cl"].result_list) == []


def test_a_letter_is_read_only_and_shows_whether_its_task_is_registered(admin_client):
    letter = DeadLetterFactory.create(task_name="tests.renamed_long_ago")

    listing = admin_client.get(reverse(CHANGELIST))
    detail = admin_client.get(reverse("admin:tasks_deadletter_change", args=[letter.id]))
    edit = admin_client.post(reverse("admin:tasks_deadletter_change", args=[letter.id]), {"task_name": "other"})

    assert 'alt="False"' in listing.content.decode()
    assert detail.status_code == 200
    assert "still broken" in detail.content.decode()
    assert edit.status_code == 403
    letter.refresh_from_db()
    assert letter.task_name == "tests.renamed_long_ago"
    assert admin_client.get(reverse("admin:tasks_deadletter_add")).status_code == 403


def staff_session(client, *permissions):
    client.force_login(BaseUserFactory.create(is_staff=True, permissions=list(permissions)))
    return client


def test_staff_who_may_only_view_letters_neither_see_nor_run_the_replay(client, probe):
    probe["fixed"] = True
    letter = DeadLetterFactory.create(task_name=probe_always_fails.name)
    viewer = staff_session(client, "tasks.view_deadletter")

    listing = viewer.get(reverse(CHANGELIST))
    posted = viewer.post(reverse(CHANGELIST), {"action": "replay_selected", "_selected_action": [letter.id]})

    assert listing.status_code == 200
    assert "replay_selected" not in listing.content.decode()
    assert posted.status_code in (200, 302)
    letter.refresh_from_db()
    assert (letter.replayed_at, probe["runs"]) == (None, [])


def test_staff_who_may_change_letters_replay_them(client, probe, django_capture_on_commit_callbacks):
    probe["fixed"] = True
    letter = DeadLetterFactory.create(task_name=probe_always_fails.name)
    replayer = staff_session(client, "tasks.view_deadletter", "tasks.change_deadletter")

    with django_capture_on_commit_callbacks(execute=True):
        replayer.post(reverse(CHANGELIST), {"action": "replay_selected", "_selected_action": [letter.id]})

    letter.refresh_from_db()
    assert letter.replayed_at is not None
    assert probe["runs"] == [(letter.replayed_as, 0)]
    # Still read only: the change permission lets staff replay, not edit.
    edit = replayer.post(reverse("admin:tasks_deadletter_change", args=[letter.id]), {"task_name": "other"})
    assert edit.status_code == 403


@pytest.mark.parametrize(
    "query",
    [
        {"created_at__year": 9999},
        {"created_at__year": 9999, "created_at__month": 12},
        {"created_at__year": 9999, "created_at__month": 12, "created_at__day": 31},
        {"created_at__year": 10000},
        {"created_at__year": 2024, "created_at__month": 10**20},
    ],
)
def test_a_date_drill_down_past_the_last_date_is_a_400(admin_client, query):
    DeadLetterFactory.create()

    response = admin_client.get(reverse(CHANGELIST), query)

    assert response.status_code == 400


def test_the_last_day_a_drill_down_can_reach_still_lists(admin_client):
    DeadLetterFactory.create()

    response = admin_client.get(
        reverse(CHANGELIST), {"created_at__year": 9999, "created_at__month": 12, "created_at__day": 30}
    )

    assert response.status_code == 200
    assert list(response.context["cl"].result_list) == []
