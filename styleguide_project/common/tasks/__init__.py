"""common has no tasks."""
