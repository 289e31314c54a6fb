from django.contrib import admin, messages
from django.contrib.auth import get_permission_codename
from django.db.models import QuerySet
from django.http import HttpRequest

from styleguide_project.core.date_hierarchy import DateHierarchyInRangeMixin
from styleguide_project.core.exceptions import ApplicationError
from styleguide_project.tasks.outbox.models import DeadLetter
from styleguide_project.tasks.outbox.selectors import dead_letter_list
from styleguide_project.tasks.outbox.services.dead_letters import dead_letter_replay


class ReplayedFilter(admin.SimpleListFilter):
    title = "replayed"
    parameter_name = "replayed"

    def lookups(self, request: HttpRequest, model_admin: admin.ModelAdmin[DeadLetter]) -> list[tuple[str, str]]:
        return [("no", "Not yet"), ("yes", "Replayed")]

    def queryset(self, request: HttpRequest, queryset: QuerySet[DeadLetter]) -> QuerySet[DeadLetter]:
        if self.value() in ("no", "yes"):
            return queryset.filter(replayed_at__isnull=self.value() == "no")
        return queryset


@admin.register(DeadLetter)
class DeadLetterAdmin(DateHierarchyInRangeMixin, admin.ModelAdmin[DeadLetter]):
    """Read-only: letters are written when a task fails for good; staff replay them once the cause is fixed."""

    list_display = (
        "id",
        "task_name",
        "registered",
        "exception_type",
        "attempts",
        "last_failed_at",
        "replayed_at",
        "task_id",
    )
    list_filter = ("task_name", ReplayedFilter)
    date_hierarchy = "created_at"
    search_fields = ("task_id", "replayed_as")
    readonly_fields = (
        "task_name",
        "task_id",
        "kwargs",
        "exception_type",
        "exception_message",
        "traceback",
        "attempts",
        "first_failed_at",
        "last_failed_at",
        "replayed_at",
        "replayed_as",
        "created_at",
    )
    actions = ["replay_selected"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[DeadLetter]:
        return dead_letter_list()

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: DeadLetter | None = None) -> bool:
        return False

    @admin.display(description="task registered", boolean=True)
    def registered(self, obj: DeadLetter) -> bool:
        return bool(getattr(obj, "task_registered", True))

    def has_replay_permission(self, request: HttpRequest) -> bool:
        # Replaying changes the letter (its replayed_at and replayed_as): the model's change permission, which
        # the API's replay checks too. Not `has_change_permission`: that stays False, the letter is read only.
        opts = self.opts
        return request.user.has_perm(f"{opts.app_label}.{get_permission_codename('change', opts)}")

    @admin.action(description="Replay selected dead letters", permissions=["replay"])
    def replay_selected(self, request: HttpRequest, queryset: QuerySet[DeadLetter]) -> None:
        # One transaction per letter: a letter that cannot be replayed does not hold back the others.
        replayed = 0
        refused: list[str] = []
        for letter in queryset.order_by("created_at", "id"):
            try:
                dead_letter_replay(dead_letter=letter)
            except ApplicationError as exc:
                refused.append(exc.message)
            else:
                replayed += 1
        if replayed:
            self.message_user(request, f"Replayed {replayed} dead letter(s).", messages.SUCCESS)
        for message in refused:
            self.message_user(request, message, messages.ERROR)
