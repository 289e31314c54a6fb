"""task_progress runs no task of its own: it shows the progress of other apps' tasks."""
