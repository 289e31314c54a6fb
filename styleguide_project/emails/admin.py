from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest

from styleguide_project.emails.models import Email
from styleguide_project.emails.services import email_send_all


@admin.register(Email)
class EmailAdmin(admin.ModelAdmin[Email]):
    list_display = ("id", "to", "subject", "status", "attempts", "sent_at", "created_at")
    list_filter = ("status", "bulk")
    search_fields = ("to", "subject")
    readonly_fields = ("status", "sent_at", "attempts", "last_error", "bulk", "headers", "created_at", "updated_at")
    actions = ["send_selected"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Email]:
        # The list never shows the bodies; they can be large.
        return super().get_queryset(request).defer("html", "plain_text")

    # Queueing changes the emails' status: the change permission, as for the API's send and retry.
    @admin.action(description="Send selected emails", permissions=["change"])
    def send_selected(self, request: HttpRequest, queryset: QuerySet[Email]) -> None:
        ids = email_send_all(emails=queryset)
        skipped = queryset.count() - len(ids)
        self.message_user(
            request, f"Queued {len(ids)} emails; skipped {skipped} already sent or sending.", messages.INFO
        )
