import json
import logging
import sys

import pytest
from celery import shared_task

from styleguide_project.core.logs import JsonFormatter
from styleguide_project.tasks.app.base import ProjectTask
from styleguide_project.tasks.app.log_context import TaskContextFilter


def _record() -> logging.LogRecord:
    return logging.LogRecord("styleguide_project.x", logging.WARNING, __file__, 1, "%s went %s", ("it", "wrong"), None)


def test_a_record_is_one_line_of_json_with_its_fields():
    record = _record()
    record.email_id = 7  # what `extra={"email_id": 7}` does

    line = JsonFormatter().format(record)

    assert "\n" not in line
    entry = json.loads(line)
    assert entry["level"] == "WARNING"
    assert entry["logger"] == "styleguide_project.x"
    assert entry["message"] == "it went wrong"
    assert entry["email_id"] == 7
    assert entry["time"].endswith("+00:00")
    assert "task_id" not in entry


def test_an_exception_is_kept_with_its_traceback_and_odd_extras_as_text():
    try:
        raise ValueError("boom")
    except ValueError:
        record = _record()
        record.exc_info = sys.exc_info()
    record.peer = object()

    entry = json.loads(JsonFormatter().format(record))

    assert entry["exception"].startswith("Traceback")
    assert "ValueError: boom" in entry["exception"]
    assert entry["peer"].startswith("<object object")


@shared_task(base=ProjectTask, name="core.tests.log_line", needs_failure_handler=False)
def _log_line() -> str:
    # As the console handler does: the task context filter, then the formatter.
    record = _record()
    TaskContextFilter().filter(record)
    return JsonFormatter().format(record)


@pytest.mark.django_db
def test_a_record_inside_a_task_names_the_task():
    result = _log_line.apply(task_id="task-123")

    entry = json.loads(result.get())
    assert entry["task_name"] == "core.tests.log_line"
    assert entry["task_id"] == "task-123"
