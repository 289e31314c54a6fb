"""`/api/tasks/`: what a client can read about the task runs it queued (namespace `api:tasks`).

The HTML progress pages over the same data are in `view_urls.py`.
"""

from django.urls import path

from styleguide_project.task_progress.apis import TaskStatusApi

urlpatterns = [
    path("<str:task_id>/", TaskStatusApi.as_view(), name="status"),
]
