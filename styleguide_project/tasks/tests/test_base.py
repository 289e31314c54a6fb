"""ProjectTask in eager mode: the serialization table, stored results, named errors."""

from typing import Any

import pytest
from celery.result import AsyncResult
from django_celery_results.models import TaskResult

from styleguide_project.tasks.app.base import TaskSerializationError
from styleguide_project.tasks.tests.probe_tasks import SAMPLES, probe_echo, probe_return
from styleguide_project.tasks.tests.serialization_table import (
    argument_outcome,
    expected_argument_outcome,
    expected_return_outcome,
    read_back,
    return_outcome,
)

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("kind", list(SAMPLES))
def test_arguments_in_eager_mode(kind):
    assert argument_outcome(kind, get=read_back) == expected_argument_outcome(kind)


@pytest.mark.task_failure_expected
@pytest.mark.parametrize("kind", list(SAMPLES))
def test_return_values_in_eager_mode(kind):
    assert return_outcome(kind, get=read_back) == expected_return_outcome(kind)


def test_eager_return_values_read_as_from_a_worker():
    # A tuple comes back from JSON as a list, in eager mode as on a worker.
    result = probe_echo.delay(value=(1, "a"))

    assert result.get() == [1, "a"]


def test_eager_result_and_state_are_readable_through_async_result():
    result = probe_echo.delay(value={"n": 1})

    stored: AsyncResult[Any] = AsyncResult(result.id)
    assert stored.state == "SUCCESS"
    assert stored.result == {"n": 1}
    # Extended results: the row knows which task and arguments produced it.
    row = TaskResult.objects.get(task_id=result.id)
    assert row.task_name == "tests.probe_echo"


@pytest.mark.task_failure_expected
def test_an_eager_failure_is_stored_too():
    with pytest.raises(TaskSerializationError) as excinfo:
        probe_return.apply_async(kwargs={"kind": "set"}, task_id="failed-probe")

    stored: AsyncResult[Any] = AsyncResult("failed-probe")
    assert stored.state == "FAILURE"
    assert str(stored.result) == str(excinfo.value)
