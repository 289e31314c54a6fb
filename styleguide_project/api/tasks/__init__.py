"""api has no tasks."""
