"""Tasks that report progress in every way the progress page must show, for its tests only.

A real worker imports this module with `celery worker --include`, so the same
tasks run eagerly in the test process and on the worker.
"""

import time
from typing import Any

from celery import Task, shared_task
from django.db import transaction

from styleguide_project.core.exceptions import ApplicationError
from styleguide_project.task_progress.recorders import TaskProgressRecorder
from styleguide_project.tasks.app.base import ProjectTask


@shared_task(bind=True, base=ProjectTask, name="tests.progress_steps", needs_failure_handler=False)
def progress_steps(
    self: Task, *, steps: int, pause: float = 0.0, redirect: str = "/done/", fail_with: str = ""
) -> dict[str, Any]:
    """`steps` steps reported with a ProgressRecorder, then a redirect, or an error if `fail_with`."""
    recorder = TaskProgressRecorder(self)
    for step in range(1, steps + 1):
        if pause:
            time.sleep(pause)
        recorder.set_progress(step, steps, f"Step {step} of {steps}")
    if fail_with:
        if pause:
            time.sleep(pause)
        raise ApplicationError(fail_with)
    return {"redirect": redirect}


@shared_task(bind=True, base=ProjectTask, name="tests.progress_percent", needs_failure_handler=False)
def progress_percent(self: Task, *, percents: list[int], pause: float = 0.0) -> dict[str, Any]:
    """The update_state style: `update_state(state="PROGRESS", meta={"process_percent": n})`."""
    for percent in percents:
        if pause:
            time.sleep(pause)
        self.update_state(state="PROGRESS", meta={"process_percent": percent})
    return {"redirect": "/done/"}


@shared_task(bind=True, base=ProjectTask, name="tests.progress_in_one_transaction", needs_failure_handler=False)
def progress_in_one_transaction(self: Task, *, steps: int, pause: float = 0.0) -> dict[str, Any]:
    """The trap: progress recorded inside the task's transaction, invisible to others until it commits."""
    recorder = TaskProgressRecorder(self)
    with transaction.atomic():
        for step in range(1, steps + 1):
            if pause:
                time.sleep(pause)
            recorder.set_progress(step, steps, f"Step {step} of {steps}")
    return {"redirect": "/done/"}
