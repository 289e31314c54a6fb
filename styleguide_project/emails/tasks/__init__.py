"""emails tasks."""
