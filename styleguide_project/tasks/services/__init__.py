"""The task kit's services, a module per concern (enqueueing through the outbox, its relay, locks, results).

The periodic task sync is in `periodic_sync.py`.
"""

from styleguide_project.tasks.services.enqueue import task_enqueue_on_commit, task_outbox_publish
from styleguide_project.tasks.services.locks import task_lock_free
from styleguide_project.tasks.services.results import task_result_delete_expired

__all__ = ("task_enqueue_on_commit", "task_lock_free", "task_outbox_publish", "task_result_delete_expired")
