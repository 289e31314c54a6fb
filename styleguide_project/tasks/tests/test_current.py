"""running_task: the task whose body runs in this thread."""

from typing import Any

import pytest
from celery import current_task, shared_task

from styleguide_project.tasks.app.base import ProjectTask
from styleguide_project.tasks.app.current import running_task

# Eager runs store their results, as a worker's do.
pytestmark = pytest.mark.django_db

# The task the outer probe held, read back while the inner one runs.
HELD: dict[str, Any] = {}


@shared_task(base=ProjectTask, name="tests.current.running_inner", needs_failure_handler=False)
def running_inner() -> list[str]:
    current = running_task()
    return [HELD["task"].name, HELD["proxy"].name, current.name if current else ""]


@shared_task(base=ProjectTask, name="tests.current.running_outer", needs_failure_handler=False)
def running_outer() -> list[str]:
    HELD.update(task=running_task(), proxy=current_task)
    # A direct call runs the inner body here, on top of celery's task stack.
    names: list[str] = running_inner()
    return names


def test_running_task_is_the_task_itself_not_celerys_proxy():
    names = running_outer.delay().get()

    # What the outer task held still names it while another task runs; the
    # proxy follows the stack and names the inner one.
    assert names == ["tests.current.running_outer", "tests.current.running_inner", "tests.current.running_inner"]
    assert running_task() is None
