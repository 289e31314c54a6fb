"""The progress pages, under `/tasks/` with the namespace `task` (`task:progress`).

The REST view of the same data is `GET /api/tasks/<task_id>/` (`urls.py`).
"""

from django.urls import path

from styleguide_project.task_progress.views import TaskProgressDataView, TaskProgressView

urlpatterns = [
    path("<str:task_id>/progress/", TaskProgressView.as_view(), name="progress"),
    path("<str:task_id>/progress/data/", TaskProgressDataView.as_view(), name="progress-data"),
]
