"""The task kit's services, a module per concern (enqueueing through the outbox, its relay, locks, results,
dead letters).

The periodic task sync is in `periodic_sync.py`.
"""

from styleguide_project.tasks.services.dead_letters import (
    dead_letter_delete_expired,
    dead_letter_record,
    dead_letter_replay,
    dead_letter_replay_all,
)
from styleguide_project.tasks.services.enqueue import task_enqueue_on_commit, task_outbox_publish
from styleguide_project.tasks.services.locks import task_lock_free
from styleguide_project.tasks.services.results import task_result_delete_expired

__all__ = (
    "dead_letter_delete_expired",
    "dead_letter_record",
    "dead_letter_replay",
    "dead_letter_replay_all",
    "task_enqueue_on_commit",
    "task_lock_free",
    "task_outbox_publish",
    "task_result_delete_expired",
)
