from django.contrib import admin
from django.http import HttpRequest
from django.urls import reverse
from django.utils.html import format_html
from django.utils.safestring import SafeString

from styleguide_project.task_progress.models import TaskOwnership


@admin.register(TaskOwnership)
class TaskOwnershipAdmin(admin.ModelAdmin[TaskOwnership]):
    """Read-only: rows are written by `task_enqueue_for_user` when a user queues a run."""

    list_display = ("task_id", "task_name", "user", "created_at", "progress_page")
    list_filter = ("task_name",)
    search_fields = ("task_id", "user__email")
    list_select_related = ("user",)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: TaskOwnership | None = None) -> bool:
        return False

    @admin.display(description="progress")
    def progress_page(self, obj: TaskOwnership) -> SafeString:
        return format_html('<a href="{}">progress</a>', reverse("task:progress", kwargs={"task_id": obj.task_id}))
