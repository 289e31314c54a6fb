"""`/api/tasks/`: what a client can read about task runs.

The status of a run is served by the task_progress app, which owns task
ownership and progress; it lives under this prefix with the other task URLs.
"""

from django.urls import path

from styleguide_project.task_progress.apis import TaskStatusApi

urlpatterns = [
    path("<str:task_id>/", TaskStatusApi.as_view(), name="status"),
]
