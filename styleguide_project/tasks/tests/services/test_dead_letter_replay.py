import pytest
from django.db import transaction

from styleguide_project.core.exceptions import ApplicationError
from styleguide_project.tasks.outbox.models import DeadLetter
from styleguide_project.tasks.outbox.services.dead_letters import dead_letter_replay
from styleguide_project.tasks.tests.factories import DeadLetterFactory
from styleguide_project.tasks.tests.probe_tasks import probe_always_fails

pytestmark = pytest.mark.django_db


@pytest.fixture
def letter(probe):
    """A dead letter of the probe task (test_signals.py makes real ones)."""
    return DeadLetterFactory.create(task_name=probe_always_fails.name, kwargs={"value": 4})


def test_replay_runs_the_task_again_with_its_kwargs_under_a_new_id(letter, probe, django_capture_on_commit_callbacks):
    probe["fixed"] = True

    with django_capture_on_commit_callbacks(execute=True):
        replayed = dead_letter_replay(dead_letter=letter)

    assert replayed.replayed_at is not None
    assert replayed.replayed_as not in ("", letter.task_id)
    letter.refresh_from_db()
    assert (letter.replayed_at, letter.replayed_as) == (replayed.replayed_at, replayed.replayed_as)
    # The task's own replay hook, then the run, with the letter's kwargs.
    assert probe["replays"] == [({"value": 4}, replayed.replayed_as)]
    assert probe["runs"] == [(replayed.replayed_as, 0)]
    assert DeadLetter.objects.count() == 1


@pytest.mark.task_failure_expected
def test_a_replay_that_fails_again_makes_a_new_letter(letter, probe, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        replayed = dead_letter_replay(dead_letter=letter)

    new = DeadLetter.objects.exclude(id=letter.id).get()
    assert new.task_id == replayed.replayed_as
    assert new.kwargs == {"value": 4}
    assert new.replayed_at is None


def test_nothing_is_sent_or_marked_when_the_transaction_rolls_back(letter, probe, django_capture_on_commit_callbacks):
    probe["fixed"] = True

    def replay_then_fail():
        with transaction.atomic():
            dead_letter_replay(dead_letter=letter)
            raise RuntimeError("the caller failed")

    with django_capture_on_commit_callbacks(execute=True) as callbacks, pytest.raises(RuntimeError):
        replay_then_fail()

    assert callbacks == []
    assert probe["runs"] == []
    letter.refresh_from_db()
    assert letter.replayed_at is None


def test_a_letter_already_replayed_is_refused(letter, probe, django_capture_on_commit_callbacks):
    probe["fixed"] = True
    with django_capture_on_commit_callbacks(execute=True):
        first = dead_letter_replay(dead_letter=letter)
    assert first.replayed_at is not None

    with pytest.raises(ApplicationError) as raised:
        dead_letter_replay(dead_letter=letter)

    assert raised.value.message == f"Dead letter {letter.id} was already replayed, as task {first.replayed_as}."
    assert raised.value.extra == {"replayed_at": first.replayed_at.isoformat(), "replayed_as": first.replayed_as}
    assert len(probe["runs"]) == 1


def test_a_task_no_longer_registered_cannot_be_replayed(probe):
    letter = DeadLetterFactory.create(task_name="tests.renamed_long_ago")

    with pytest.raises(ApplicationError) as raised:
        dead_letter_replay(dead_letter=letter)

    assert raised.value.message == (
        "Task 'tests.renamed_long_ago' is no longer registered; its dead letters cannot be replayed."
    )
    assert raised.value.extra == {"task_name": "tests.renamed_long_ago"}
    letter.refresh_from_db()
    assert letter.replayed_at is None
