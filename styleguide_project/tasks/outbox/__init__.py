"""The transactional outbox of task runs: enqueue after the commit, relay what was lost, run once, keep dead letters,
cancel a run by id."""

from styleguide_project.tasks.outbox.selectors import (
    DeadLetterFilters,
    dead_letter_get,
    dead_letter_list,
    task_run_cancelled,
)
from styleguide_project.tasks.outbox.services.cancelling import task_run_cancel
from styleguide_project.tasks.outbox.services.dead_letters import (
    dead_letter_delete_expired,
    dead_letter_record,
    dead_letter_replay,
    dead_letter_replay_all,
)
from styleguide_project.tasks.outbox.services.enqueue import task_enqueue_on_commit, task_outbox_publish

__all__ = (
    "DeadLetterFilters",
    "dead_letter_delete_expired",
    "dead_letter_get",
    "dead_letter_list",
    "dead_letter_record",
    "dead_letter_replay",
    "dead_letter_replay_all",
    "task_enqueue_on_commit",
    "task_outbox_publish",
    "task_run_cancel",
    "task_run_cancelled",
)
