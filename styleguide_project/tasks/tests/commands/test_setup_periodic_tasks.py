from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django_celery_beat.models import PeriodicTask

from config.periodic_tasks import PERIODIC_TASKS
from styleguide_project.tasks.management.commands.setup_periodic_tasks import Command
from styleguide_project.tasks.periodic.schedules import Crontab
from styleguide_project.tasks.tests.periodic_helpers import definition, every, snapshot

pytestmark = pytest.mark.django_db


def run(*args, definitions=None) -> str:
    out = StringIO()
    options = {} if definitions is None else {"definitions": definitions}
    call_command("setup_periodic_tasks", *args, stdout=out, no_color=True, **options)
    return out.getvalue()


def test_syncs_the_shipped_definitions_and_says_what_it_did():
    output = run()

    lines = output.splitlines()
    # One line per shipped definition, in the order of the list, then the counts.
    assert lines[0] == (
        'create    "Emails: daily summary of failed emails": task emails.email_failed_summary_send, '
        "crontab 0 7 * * * (UTC)"
    )
    assert [line.split('": task ')[0] for line in lines[:-1]] == [f'create    "{item.name}' for item in PERIODIC_TASKS]
    assert [line.split('": task ')[1].split(",")[0] for line in lines[:-1]] == [
        item.task.name for item in PERIODIC_TASKS
    ]
    count = len(PERIODIC_TASKS)
    assert (
        lines[-1]
        == f"Periodic tasks: {count} created, 0 updated, 0 deleted, 0 unchanged; 0 unused schedule rows removed."
    )
    assert set(PeriodicTask.objects.values_list("name", flat=True)) == {item.name for item in PERIODIC_TASKS}
    assert run().splitlines()[-1] == (
        f"Periodic tasks: 0 created, 0 updated, 0 deleted, {count} unchanged; 0 unused schedule rows removed."
    )


def test_dry_run_prints_the_plan_and_writes_nothing():
    run(definitions=[definition("Stays", every(60)), definition("Goes", every(30))])
    goes_interval = PeriodicTask.objects.get(name="Goes").interval_id
    before = snapshot()

    output = run("--dry-run", definitions=[definition("Stays", every(60)), definition("Comes", every(5))])

    assert output.splitlines() == [
        'delete    "Goes": task emails.email_failed_summary_send',
        'unchanged "Stays"',
        'create    "Comes": task emails.email_failed_summary_send, every 5 seconds',
        f"delete    unused interval row {goes_interval}: every 30 seconds",
        "Dry run, nothing written. It would be: 1 created, 0 updated, 1 deleted, 1 unchanged; "
        "1 unused schedule rows removed.",
    ]
    assert snapshot() == before


def test_check_exits_1_when_the_database_differs_and_0_when_it_does_not():
    with pytest.raises(CommandError) as differs:
        run("--check")
    assert differs.value.returncode == 1
    assert str(differs.value) == (
        "The periodic tasks in the database differ from the code: run `manage.py setup_periodic_tasks`."
    )
    assert not PeriodicTask.objects.exists()

    run()

    assert run("--check").splitlines()[-1] == "In sync with the code."


def test_check_sees_an_edit_made_in_the_admin():
    run()
    task = PeriodicTask.objects.get(name="Tasks: delete expired task results")
    task.enabled = False
    task.save()

    with pytest.raises(CommandError) as differs:
        run("--check")

    assert differs.value.returncode == 1


def test_invalid_definitions_exit_2_naming_the_entry_and_write_nothing():
    run()
    before = snapshot()

    with pytest.raises(CommandError) as invalid:
        run(definitions=[*PERIODIC_TASKS, definition("Nightly", Crontab(hour="24"))])

    assert invalid.value.returncode == 2
    assert str(invalid.value).startswith(
        "Invalid periodic task definitions; nothing was changed:\n"
        f"  entry {len(PERIODIC_TASKS) + 1} \"Nightly\": crontab hour '24' is not valid"
    )
    assert snapshot() == before


def test_check_also_rejects_invalid_definitions():
    with pytest.raises(CommandError) as invalid:
        run("--check", definitions=[definition("Twice", every(5)), definition("Twice", every(6))])

    assert invalid.value.returncode == 2
    assert 'entry 2 "Twice": duplicate name' in str(invalid.value)


def test_help_states_the_policy_and_lists_the_declared_tasks():
    help_text = Command().create_parser("manage.py", "setup_periodic_tasks").format_help()

    assert "Tasks made in the admin (no marker) are never\n    changed or deleted." in help_text
    assert "Declared tasks:\n" in help_text
    for item in PERIODIC_TASKS:
        assert f'  - "{item.name}": {item.task.name}, {item.schedule.describe()}\n' in help_text
