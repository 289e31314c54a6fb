from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from styleguide_project.tasks.tests.factories import DeadLetterFactory
from styleguide_project.tasks.tests.probe_tasks import probe_always_fails

pytestmark = pytest.mark.django_db


def run(*args: str) -> str:
    out = StringIO()
    call_command("task_dead_letters", *args, stdout=out)
    return out.getvalue()


def test_lists_the_letters_newest_first_in_aligned_columns_and_marks_tasks_no_longer_registered():
    old = DeadLetterFactory.create(task_name="tests.renamed_long_ago", exception_message="first line\nsecond line")
    new = DeadLetterFactory.create(task_name=probe_always_fails.name, replayed_as="abc", attempts=12)

    lines = run().splitlines()

    header = lines[0]
    assert header.split("  ")[0].strip() == "ID"
    # Every column starts where its heading starts (the numbers end where theirs end), on every line.
    starts = {name: header.index(name) for name in ("FAILED AT (UTC)", "TASK", "ERROR", "REPLAYED AS")}
    for line, letter, task, error, replayed in (
        (lines[1], new, probe_always_fails.name, f"{new.exception_type}: still broken", "abc"),
        (lines[2], old, "tests.renamed_long_ago (not registered)", f"{old.exception_type}: first line", "-"),
    ):
        assert line[: starts["FAILED AT (UTC)"]].rstrip().endswith(str(letter.id))
        assert line[starts["TASK"] :].startswith(task + " ")
        assert line[starts["ERROR"] :].startswith(error + " ")
        assert line[starts["REPLAYED AS"] :] == replayed
        assert line[starts["FAILED AT (UTC)"] :].startswith(timezone.localtime(letter.last_failed_at).strftime("%Y-"))
        attempts_end = header.index("ATTEMPTS") + len("ATTEMPTS")
        assert line[:attempts_end].endswith(f" {letter.attempts}")
    assert [line.split()[0] for line in lines[1:]] == [str(new.id), str(old.id)]


def test_lists_one_task_up_to_a_limit():
    DeadLetterFactory.create_batch(3, task_name=probe_always_fails.name)
    DeadLetterFactory.create(task_name="tests.probe_echo")

    lines = run("--task", probe_always_fails.name, "--limit", "2").splitlines()

    assert len(lines) == 4
    assert lines[-1] == "... 1 more (--limit, --task)."


def test_says_when_there_is_none():
    assert run() == "No dead letters.\n"


def test_replays_one(probe, django_capture_on_commit_callbacks):
    probe["fixed"] = True
    letter = DeadLetterFactory.create(task_name=probe_always_fails.name)

    with django_capture_on_commit_callbacks(execute=True):
        out = run("--replay", str(letter.id))

    letter.refresh_from_db()
    assert out == f"Replayed dead letter {letter.id} of {probe_always_fails.name} as task {letter.replayed_as}.\n"
    assert probe["runs"] == [(letter.replayed_as, 0)]


def test_replays_all_of_a_task(probe, django_capture_on_commit_callbacks):
    probe["fixed"] = True
    DeadLetterFactory.create_batch(2, task_name=probe_always_fails.name)

    with django_capture_on_commit_callbacks(execute=True):
        out = run("--replay-all", "--task", probe_always_fails.name)

    assert out == f"Replayed 2 dead letter(s) of {probe_always_fails.name}.\n"
    assert len(probe["runs"]) == 2


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--replay", "987654"], "No dead letter 987654; `task_dead_letters` lists them."),
        (["--replay-all"], "--replay-all needs --task NAME: which task's letters to replay."),
        (["--replay-all", "--task", "tests.gone"], "Task 'tests.gone' is no longer registered"),
    ],
)
def test_what_cannot_be_done_is_a_clear_error(args, message):
    with pytest.raises(CommandError) as raised:
        run(*args)

    assert str(raised.value).startswith(message)


def test_a_letter_already_replayed_is_a_clear_error(probe, django_capture_on_commit_callbacks):
    probe["fixed"] = True
    letter = DeadLetterFactory.create(task_name=probe_always_fails.name)
    with django_capture_on_commit_callbacks(execute=True):
        run("--replay", str(letter.id))

    with pytest.raises(CommandError, match=f"Dead letter {letter.id} was already replayed"):
        run("--replay", str(letter.id))
