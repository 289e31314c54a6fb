"""The progress page (`task:progress`) and the JSON its bar polls, for session users.

Who may see what is decided by `task_ownership_get`: the user who queued the
run, or staff. Everyone else, and any id that names no run queued through
`task_enqueue_for_user`, gets the same "no such task" answer (404), so the
page tells nobody which ids exist. An anonymous visitor of the page is sent to
the login page and back; the JSON answers anonymous callers 404 like anyone
else who may not see the run (a poller has no login page to go to).

celery-progress's own `celery_progress.urls` is deliberately not mounted: its
view shows any task's progress and result to anyone (czue/celery-progress#83).
"""

from typing import Any

from django.contrib.auth.mixins import LoginRequiredMixin
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.decorators import method_decorator
from django.views import View
from django.views.decorators.cache import never_cache

from styleguide_project.task_progress.selectors import task_ownership_get, task_progress_get

# How often the bar asks for news, in milliseconds (celery-progress's default).
POLL_INTERVAL_MS = 500


@method_decorator(never_cache, name="dispatch")
class TaskProgressView(LoginRequiredMixin, View):
    http_method_names = ["get", "head"]

    def get(self, request: HttpRequest, task_id: str) -> HttpResponse:
        ownership = task_ownership_get(task_id=task_id, user=request.user)
        if ownership is None:
            return render(request, "task_progress/not_found.html", status=404)

        progress = task_progress_get(ownership=ownership)
        context: dict[str, Any] = {
            "progress": progress,
            "data_url": reverse("task:progress-data", kwargs={"task_id": ownership.task_id}),
            "poll_interval_ms": POLL_INTERVAL_MS,
        }
        return render(request, "task_progress/progress.html", context)


@method_decorator(never_cache, name="dispatch")
class TaskProgressDataView(View):
    http_method_names = ["get", "head"]

    def get(self, request: HttpRequest, task_id: str) -> JsonResponse:
        ownership = task_ownership_get(task_id=task_id, user=request.user)
        if ownership is None:
            return JsonResponse({"message": "No such task.", "extra": {}}, status=404)
        return JsonResponse(task_progress_get(ownership=ownership).bar_info)
