"""authentication has no tasks."""
