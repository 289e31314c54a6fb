"""Every task the project registers follows the conventions; a new task that breaks one fails here."""

import inspect
import re
from typing import Any

import pytest
from celery import Celery

from styleguide_project.tasks.app.base import ProjectTask
from styleguide_project.tasks.app.celery import app as celery_app


def violations(task: Any) -> list[str]:
    found = []
    func = task.run
    default_name = f"{func.__module__}.{func.__name__}"
    if task.name == default_name:
        found.append(f"{task.name}: no explicit name (give name='<app>.<task>')")
    params = [p for p in inspect.signature(func).parameters.values() if p.name != "self"]
    positional = [p.name for p in params if p.kind not in (p.KEYWORD_ONLY, p.VAR_KEYWORD)]
    if positional:
        found.append(f"{task.name}: positional arguments {positional} (make them keyword-only)")
    if getattr(task, "needs_failure_handler", True):
        handler = getattr(task.on_failure, "__name__", "")
        if handler != f"_{func.__name__}_failure":
            found.append(
                f"{task.name}: on_failure is {handler!r}, not _{func.__name__}_failure "
                "(or declare needs_failure_handler=False when no state needs undoing)"
            )
    replay = getattr(task, "on_replay", None)
    if replay is not None and getattr(replay, "__name__", "") != f"_{func.__name__}_replay":
        found.append(f"{task.name}: on_replay is {replay.__name__!r}, not _{func.__name__}_replay")
    if not isinstance(task, ProjectTask):
        found.append(f"{task.name}: not a ProjectTask")
    found += retry_policy_violations(task)
    return found


# How long to wait and how often to retry belong to ProjectTask, not to a task.
RETRY_POLICY_ATTRIBUTES = (
    "max_retries",
    "retry_backoff",
    "retry_backoff_max",
    "retry_jitter",
    "default_retry_delay",
    "retry_kwargs",
    "retry",
)
# What a task body that computes its own backoff contains.
BACKOFF_WORDS = re.compile(r"countdown|backoff|\.retry\(|\*\*\s*\w*retries")


def retry_policy_violations(task: Any) -> list[str]:
    found = []
    own = [name for name in RETRY_POLICY_ATTRIBUTES if name in vars(type(task))]
    if own:
        found.append(f"{task.name}: sets {own} itself (the retry policy is ProjectTask's; say what is transient)")
    body = getattr(task, "_orig_run", task.run)
    source = inspect.getsource(inspect.unwrap(body))
    if BACKOFF_WORDS.search(source):
        found.append(f"{task.name}: its body schedules its own retries (use autoretry_for)")
    handler = getattr(task, "on_attempt_failed", None)
    if handler is not None and handler.__name__ != f"_{body.__name__}_attempt_failed":
        found.append(f"{task.name}: on_attempt_failed is {handler.__name__!r}, not _{body.__name__}_attempt_failed")
    return found


def project_tasks() -> list[Any]:
    celery_app.loader.import_default_modules()
    return [
        task
        for name, task in sorted(celery_app.tasks.items())
        if task.run.__module__.startswith("styleguide_project.") and ".tests." not in task.run.__module__
    ]


def test_the_project_registers_tasks():
    assert "emails.email_send_batch" in {task.name for task in project_tasks()}


@pytest.mark.parametrize("task", project_tasks(), ids=lambda task: task.name)
def test_task_follows_the_conventions(task):
    assert violations(task) == []


def test_the_rules_catch_a_bad_task():
    scratch = Celery("scratch", task_cls=ProjectTask, set_as_current=False)

    @scratch.task
    def bad_task(email_id):
        return email_id

    assert violations(bad_task) == [
        f"{bad_task.name}: no explicit name (give name='<app>.<task>')",
        f"{bad_task.name}: positional arguments ['email_id'] (make them keyword-only)",
        f"{bad_task.name}: on_failure is 'on_failure', not _bad_task_failure "
        "(or declare needs_failure_handler=False when no state needs undoing)",
    ]


def test_the_rules_catch_a_task_with_its_own_retry_policy():
    scratch = Celery("scratch", task_cls=ProjectTask, set_as_current=False)

    def _impatient_attempt_failed(self, **kwargs):
        return None

    def _impatient_failure(self, *args):
        return None

    @scratch.task(
        bind=True,
        name="scratch.impatient",
        max_retries=50,
        on_failure=_impatient_failure,
        on_attempt_failed=_impatient_attempt_failed,
    )
    def impatient(self, *, value):
        try:
            return 1 / value
        except ZeroDivisionError as exc:
            raise self.retry(exc=exc, countdown=2**self.request.retries) from exc

    assert violations(scratch.tasks[impatient.name]) == [
        "scratch.impatient: sets ['max_retries'] itself (the retry policy is ProjectTask's; say what is transient)",
        "scratch.impatient: its body schedules its own retries (use autoretry_for)",
    ]


def test_the_rules_catch_a_misnamed_replay_handler():
    scratch = Celery("scratch", task_cls=ProjectTask, set_as_current=False)

    def _undo(self, *, kwargs, task_id):
        return None

    @scratch.task(name="scratch.resend", needs_failure_handler=False, on_replay=_undo)
    def resend(*, email_ids):
        return email_ids

    assert violations(scratch.tasks[resend.name]) == ["scratch.resend: on_replay is '_undo', not _resend_replay"]
