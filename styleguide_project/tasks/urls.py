"""The task kit's APIs under `/api/tasks/` (namespace `api:task_kit`).

Included before the task progress URLs at the same prefix: their
`<str:task_id>/` would otherwise take "dead-letters/".
"""

from django.urls import path

from styleguide_project.tasks.apis import DeadLetterListApi, DeadLetterReplayApi

urlpatterns = [
    path("dead-letters/", DeadLetterListApi.as_view(), name="dead-letter-list"),
    path("dead-letters/<int:dead_letter_id>/replay/", DeadLetterReplayApi.as_view(), name="dead-letter-replay"),
]
