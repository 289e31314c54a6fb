"""Nothing here yet: the tasks app holds the Celery app and task tooling."""
