"""The serialization table: which values cross the broker, and the error for those that do not."""

from typing import Any

from celery.result import AsyncResult

from styleguide_project.tasks.app.base import TaskSerializationError
from styleguide_project.tasks.tests.probe_tasks import SAMPLES, probe_echo, probe_return

PASSING = ["pk", "string", "decimal", "datetime", "uuid"]
FAILING = {
    "model instance": "styleguide_project.users.models.BaseUser",
    "queryset": "django.db.models.query.QuerySet",
    "set": "set",
    "object": "object",
}


def argument_outcome(kind: str, *, get: Any) -> tuple[str, Any]:
    """("ok", value read back) or ("error", message) for `probe_echo.delay(value=<kind>)`."""
    try:
        result = probe_echo.delay(value=SAMPLES[kind]())
    except TaskSerializationError as exc:
        return ("error", str(exc))
    return ("ok", get(result))


def return_outcome(kind: str, *, get: Any) -> tuple[str, Any]:
    """("ok", value read back) or ("error", message) for a task that returns a <kind>."""
    try:
        return ("ok", get(probe_return.delay(kind=kind)))
    except TaskSerializationError as exc:
        return ("error", str(exc))


def expected_argument_outcome(kind: str) -> tuple[str, Any]:
    if kind in FAILING:
        return (
            "error",
            f"Task tests.probe_echo: argument 'value' is a {FAILING[kind]}, which cannot be sent as json: "
            "pass its primary key or plain data instead.",
        )
    return ("ok", SAMPLES[kind]())


def expected_return_outcome(kind: str) -> tuple[str, Any]:
    if kind in FAILING:
        return (
            "error",
            f"Task tests.probe_return returned a {FAILING[kind]}, which cannot be stored as json: "
            "return plain data (ids, strings, numbers, lists, dicts).",
        )
    return ("ok", SAMPLES[kind]())


def read_back(result: AsyncResult[Any], timeout: float = 30) -> Any:
    """The result as any reader would see it: fetched again by id from the result backend."""
    return AsyncResult(result.id).get(timeout=timeout, interval=0.05)
