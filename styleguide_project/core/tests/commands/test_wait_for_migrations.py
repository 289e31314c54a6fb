import io

import pytest
from django.core.management import CommandError, call_command
from django.db.migrations.recorder import MigrationRecorder

pytestmark = pytest.mark.django_db


def test_a_migrated_database_returns_at_once():
    stderr = io.StringIO()

    call_command("wait_for_migrations", timeout=5, stderr=stderr)

    # The command says what it waits for before it first pauses: it never paused.
    assert stderr.getvalue() == ""


def test_an_unapplied_migration_fails_after_the_timeout_naming_it():
    # The test's transaction is rolled back afterwards, restoring the record.
    latest = MigrationRecorder.Migration.objects.filter(app="emails").latest("id")
    latest.delete()
    stderr = io.StringIO()

    with pytest.raises(CommandError, match=r"Gave up after 0\.2s: 1 unapplied migration"):
        call_command("wait_for_migrations", timeout=0.2, interval=0.05, stderr=stderr)

    # Said once, before its first pause, not at every look.
    assert stderr.getvalue().count("Waiting: 1 unapplied migration") == 1
