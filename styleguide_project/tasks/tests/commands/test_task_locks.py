import pytest
from django.core.management import CommandError, call_command

from styleguide_project.tasks.locks.services import task_lock_free
from styleguide_project.tasks.locks.task_lock import task_lock


@pytest.fixture(autouse=True)
def clean_locks():
    task_lock_free(key="tests.report")
    yield
    task_lock_free(key="tests.report")


def test_lists_held_locks_with_their_ttl(capsys):
    assert task_lock(key="tests.report", timeout=600).acquire()

    call_command("task_locks")

    out = capsys.readouterr().out
    [line] = [line for line in out.splitlines() if line.startswith("tests.report")]
    ttl = int(line.split()[-1].removesuffix("s"))
    assert 590 <= ttl <= 600


def test_frees_a_lock(capsys):
    assert task_lock(key="tests.report", timeout=600).acquire()

    call_command("task_locks", "--free", "tests.report")

    assert "Freed lock 'tests.report'." in capsys.readouterr().out
    assert task_lock(key="tests.report", timeout=600).acquire()


def test_freeing_an_unknown_lock_is_a_clear_error():
    with pytest.raises(CommandError, match=r"No lock 'tests\.report' is held"):
        call_command("task_locks", "--free", "tests.report")
