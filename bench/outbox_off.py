"""The task outbox without its row, for the `outbox` benchmark only: what the row costs a caller.

With the row switched off, `task_enqueue_on_commit` runs as it ships (the
arguments checked, the ids chosen, the publish on commit through one
producer) but builds no `OutboxRun`, inserts nothing and marks nothing
published: the difference from the real path is the row's whole cost (its
objects, the INSERT in the caller's transaction, the marks after the
publish, in the request or in batches by the process's thread). The project never imports this module.
"""

from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any


class _RowsOff:
    """Stands in for the `OutboxRun` model in the enqueue module: rows are built for nothing and never saved."""

    def __init__(self, **fields: Any) -> None:
        pass

    class objects:  # noqa: N801 - mirrors the model's manager attribute
        @staticmethod
        def bulk_create(rows: Iterable[Any], **kwargs: Any) -> list[Any]:
            return list(rows)


def _mark_nothing(*, task_ids: Sequence[str]) -> None:
    return None


class _NoMarks:
    """Stands in for the process's batch of published marks."""

    @staticmethod
    def add(task_ids: Sequence[str]) -> None:
        return None


def outbox_rows_switch_off() -> None:
    """For the rest of this process (a gunicorn worker of the bench)."""
    from styleguide_project.tasks.outbox.services import enqueue

    # Both are looked up in the module when called, so replacing the module globals is enough.
    enqueue.OutboxRun = _RowsOff  # type: ignore[assignment,misc]
    enqueue.outbox_runs_mark_published = _mark_nothing
    enqueue.published_marks = _NoMarks  # type: ignore[assignment]


@contextmanager
def outbox_rows_off() -> Iterator[None]:
    """For the block, in this process."""
    from styleguide_project.tasks.outbox.services import enqueue

    saved = (enqueue.OutboxRun, enqueue.outbox_runs_mark_published, enqueue.published_marks)
    outbox_rows_switch_off()
    try:
        yield
    finally:
        enqueue.OutboxRun, enqueue.outbox_runs_mark_published, enqueue.published_marks = saved  # type: ignore[misc]
