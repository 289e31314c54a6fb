import io
import logging

import pytest
from celery import shared_task

from config.settings.logging import LOGGING
from styleguide_project.tasks.app.base import ProjectTask
from styleguide_project.tasks.app.log_context import TaskContextFilter

service_logger = logging.getLogger("tests.some_service")


@shared_task(base=ProjectTask, name="tests.log_context.job", ignore_result=True, needs_failure_handler=False)
def logging_job() -> None:
    # A plain module logger, as services use: not a task logger.
    service_logger.warning("doing the work")


@pytest.fixture
def configured_output():
    """A handler built like the console handler of config/settings/logging.py, writing to a buffer."""
    buffer = io.StringIO()
    handler = logging.StreamHandler(buffer)
    handler.addFilter(TaskContextFilter())
    handler.setFormatter(logging.Formatter(LOGGING["formatters"]["plain"]["format"]))
    service_logger.addHandler(handler)
    yield buffer
    service_logger.removeHandler(handler)


@pytest.mark.django_db
def test_lines_logged_inside_a_task_carry_its_name_and_id(configured_output):
    logging_job.apply_async(task_id="abc-123")

    assert "tests.some_service [tests.log_context.job:abc-123]: doing the work" in configured_output.getvalue()


def test_lines_outside_a_task_carry_nothing_extra(configured_output):
    service_logger.warning("plain line")

    assert "tests.some_service: plain line" in configured_output.getvalue()


def test_the_console_handler_uses_the_filter():
    assert LOGGING["handlers"]["console"]["filters"] == ["task_context"]
