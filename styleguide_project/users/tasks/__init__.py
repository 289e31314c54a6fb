"""users has no tasks yet."""
