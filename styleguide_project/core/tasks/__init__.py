"""core has no tasks."""
