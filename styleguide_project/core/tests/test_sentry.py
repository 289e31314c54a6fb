"""Sentry is on only with SENTRY_DSN; then Django and Celery errors reach it.

Each case runs in a fresh interpreter: sentry-sdk patches Celery and Django
globally, which must not leak into the rest of the suite.
"""

import json
import subprocess
import sys

from testing.processes import ROOT, process_env

PROBE = r"""
import json, sys
import django
django.setup()
report = {"sentry_imported": "sentry_sdk" in sys.modules}
if report["sentry_imported"]:
    import sentry_sdk
    from sentry_sdk.integrations.celery import CeleryIntegration
    from sentry_sdk.integrations.django import DjangoIntegration
    from sentry_sdk.transport import Transport

    client = sentry_sdk.get_client()
    report["dsn"] = client.dsn
    report["celery"] = client.get_integration(CeleryIntegration) is not None
    report["django"] = client.get_integration(DjangoIntegration) is not None

    # Re-initialise with a transport that keeps events instead of sending them,
    # then fail a task the way a worker would run it.
    events = []

    class KeepEvents(Transport):
        def capture_envelope(self, envelope):
            events.extend(item.payload.json for item in envelope.items if item.type == "event")

    from django.conf import settings
    from styleguide_project.core.sentry import sentry_init
    sentry_init(dsn=settings.SENTRY_DSN, environment="test", traces_sample_rate=0.0, transport=KeepEvents)
    from styleguide_project.tasks.app.celery import app
    from styleguide_project.tasks.tests.probe_tasks import probe_return
    app.conf.task_store_eager_result = False  # this process has no migrated database
    from celery.signals import task_failure
    from styleguide_project.tasks.outbox.signals import DEAD_LETTER_RECEIVER
    task_failure.disconnect(dispatch_uid=DEAD_LETTER_RECEIVER)  # nor a table for dead letters
    from styleguide_project.tasks.app import ProjectTask
    ProjectTask.run_guards.clear()  # nor for the runs cancelled, which the kit's guard looks up
    probe_return.apply(kwargs={"kind": "set"}, throw=False)
    sentry_sdk.flush()
    report["events"] = [
        {"type": e["exception"]["values"][-1]["type"], "mechanism": e["exception"]["values"][-1]["mechanism"]["type"]}
        for e in events if "exception" in e
    ]
print(json.dumps(report))
"""


def run_probe(**env: str) -> dict:
    environ = process_env(DJANGO_SETTINGS_MODULE="config.django.test", **env)
    if "SENTRY_DSN" not in env:
        environ.pop("SENTRY_DSN", None)
    result = subprocess.run(  # noqa: S603
        [sys.executable, "-c", PROBE], cwd=ROOT, env=environ, capture_output=True, text=True, timeout=60, check=False
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_without_a_dsn_sentry_is_not_even_imported():
    assert run_probe() == {"sentry_imported": False}


def test_with_a_dsn_django_and_celery_integrations_are_installed_and_task_errors_reported():
    report = run_probe(SENTRY_DSN="https://public@sentry.example.invalid/1")

    assert report["dsn"] == "https://public@sentry.example.invalid/1"
    assert report["celery"] is True
    assert report["django"] is True
    assert report["events"] == [{"type": "TaskSerializationError", "mechanism": "celery"}]
