"""What the broker's queues hold, as the metrics and the outbox relay read it."""

from styleguide_project.tasks.observation.queues import QueueDepth, task_queue_depth_list, task_queue_names

__all__ = ("QueueDepth", "task_queue_depth_list", "task_queue_names")
