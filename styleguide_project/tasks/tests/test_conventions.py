"""Every task the project registers follows the conventions; a new task that breaks one fails here."""

import inspect
from typing import Any

import pytest
from celery import Celery

from styleguide_project.tasks.base import ProjectTask
from styleguide_project.tasks.celery import app as celery_app


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
    if not isinstance(task, ProjectTask):
        found.append(f"{task.name}: not a ProjectTask")
    return found


def project_tasks() -> list[Any]:
    celery_app.loader.import_default_modules()
    return [
        task
        for name, task in sorted(celery_app.tasks.items())
        if task.run.__module__.startswith("styleguide_project.") and ".tests." not in task.run.__module__
    ]


def test_the_project_registers_tasks():
    assert "emails.email_send" in {task.name for task in project_tasks()}


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
