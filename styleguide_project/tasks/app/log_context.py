"""Log lines written while a task runs carry the task's name and id."""

import logging

from styleguide_project.tasks.app.current import running_task


class TaskContextFilter(logging.Filter):
    """Adds `task_name`, `task_id` and `task_context` (" [name:id]" or "") to every record.

    Attached to the handlers in `config/settings/logging.py`, so it covers every
    logger (services, selectors, libraries), not only `get_task_logger` ones.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        task = running_task()
        task_id = task.request.id if task is not None else None
        if task is not None and task_id:
            record.task_name, record.task_id = task.name, task_id
            record.task_context = f" [{task.name}:{task_id}]"
        else:
            record.task_name = record.task_id = None
            record.task_context = ""
        return True
