import pytest
from django.utils import timezone

from styleguide_project.core.exceptions import ApplicationError
from styleguide_project.tasks.outbox.models import DeadLetter, OutboxRun
from styleguide_project.tasks.outbox.services.dead_letters import dead_letter_replay_all
from styleguide_project.tasks.tests.factories import DeadLetterFactory
from styleguide_project.tasks.tests.probe_tasks import probe_always_fails

pytestmark = pytest.mark.django_db


def test_replays_every_letter_of_the_task_not_yet_replayed(probe, django_capture_on_commit_callbacks):
    probe["fixed"] = True
    pending = DeadLetterFactory.create_batch(3, task_name=probe_always_fails.name)
    done = DeadLetterFactory.create(task_name=probe_always_fails.name, replayed_at=timezone.now(), replayed_as="x")
    other = DeadLetterFactory.create(task_name="tests.probe_echo")

    with django_capture_on_commit_callbacks(execute=True):
        replayed = dead_letter_replay_all(task_name=probe_always_fails.name)

    assert [letter.id for letter in replayed] == [letter.id for letter in pending]
    new_ids = [letter.replayed_as for letter in replayed]
    assert len(set(new_ids)) == 3
    assert sorted(probe["runs"]) == sorted((task_id, 0) for task_id in new_ids)
    assert [kwargs for kwargs, _ in probe["replays"]] == [letter.kwargs for letter in pending]
    assert DeadLetter.objects.filter(replayed_at__isnull=True).get() == other
    done.refresh_from_db()
    assert done.replayed_as == "x"


def test_each_replay_goes_to_the_queue_its_run_was_sent_to(probe):
    bulk = DeadLetterFactory.create(task_name=probe_always_fails.name, queue="bulk")
    routed = DeadLetterFactory.create(task_name=probe_always_fails.name)

    # Not executed: the outbox rows are what the fast path and the relay publish.
    dead_letter_replay_all(task_name=probe_always_fails.name)

    bulk.refresh_from_db()
    routed.refresh_from_db()
    assert dict(OutboxRun.objects.values_list("task_id", "queue")) == {bulk.replayed_as: "bulk", routed.replayed_as: ""}


def test_no_letter_to_replay_replays_nothing(probe, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        assert dead_letter_replay_all(task_name=probe_always_fails.name) == []

    assert probe["runs"] == []


def test_a_task_no_longer_registered_is_refused_by_name():
    letter = DeadLetterFactory.create(task_name="tests.gone")

    with pytest.raises(ApplicationError, match=r"Task 'tests\.gone' is no longer registered"):
        dead_letter_replay_all(task_name="tests.gone")

    letter.refresh_from_db()
    assert letter.replayed_at is None
