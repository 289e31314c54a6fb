"""The kit's cancel guard: the body of a cancelled run (`task_run_cancel`) is never called.

Every copy of a run carries its task id: the fast path's publish, the relay's,
a retry after its countdown, a broker's redelivery. So one lookup of that id
before the body, on every project task (beat's runs and plain `.delay()`
ones too, which have no outbox row), keeps a cancelled run from starting
wherever its message waited. It is the outermost of `ProjectTask.run_guards`:
a skipped copy claims nothing in the outbox (whose row the cancel marked done).

It also answers `ProjectTask.is_cancelled()`, the checkpoint a running body
asks between its steps.
"""

import logging
from collections.abc import Callable
from functools import partial
from typing import Any

from styleguide_project.tasks.app import ProjectTask
from styleguide_project.tasks.app.retry import DATABASE_ERRORS
from styleguide_project.tasks.outbox.selectors import task_run_cancelled
from styleguide_project.tasks.outbox.services.runs import outbox_run_retrying

logger = logging.getLogger(__name__)


class CancelledRunGuard:
    """`ProjectTask.run_guards` member: skips the body of a cancelled run."""

    def around(self, task: ProjectTask, body: Callable[[], Any]) -> Any:
        task_id = str(task.request.id)
        try:
            cancelled = outbox_run_retrying(partial(task_run_cancelled, task_id=task_id))
        except DATABASE_ERRORS as exc:
            # The body has not run: retried by the same policy as an error in it.
            raise task.retry(exc=exc) from exc
        if cancelled:
            logger.info("%s[%s] was cancelled; this copy does not run", task.name, task_id)
            return None
        return body()

    def is_cancelled(self, task_id: str) -> bool:
        return task_run_cancelled(task_id=task_id)


cancelled_run_guard = CancelledRunGuard()
