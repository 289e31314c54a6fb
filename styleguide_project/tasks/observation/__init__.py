"""What the broker's queues hold, as health, metrics and the progress page read it."""

from styleguide_project.tasks.observation.queues import QueueDepth, task_queue_depth_list, task_queue_names
from styleguide_project.tasks.observation.selectors import task_queue_waiting

__all__ = ("QueueDepth", "task_queue_depth_list", "task_queue_names", "task_queue_waiting")
