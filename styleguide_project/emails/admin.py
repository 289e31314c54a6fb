from typing import Any

from django.contrib import admin, messages
from django.contrib.auth import get_user_model
from django.db.models import Count, OuterRef, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.http import HttpRequest, HttpResponseRedirect
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.html import format_html
from django.utils.safestring import SafeString

from styleguide_project.core.exceptions import ApplicationError
from styleguide_project.emails.models import Email, EmailCampaign
from styleguide_project.emails.services import email_campaign_queue, email_send_all

# Emails reach whatever AUTH_USER_MODEL is; the emails app imports no other app.
User = get_user_model()


@admin.register(Email)
class EmailAdmin(admin.ModelAdmin[Email]):
    list_display = ("id", "to", "subject", "status", "attempts", "sent_at", "created_at")
    list_filter = ("status", "campaign")
    search_fields = ("to", "subject")
    readonly_fields = ("status", "sent_at", "attempts", "last_error", "campaign", "created_at", "updated_at")
    actions = ["send_selected"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Email]:
        # The list never shows the bodies; they can be large.
        return super().get_queryset(request).defer("html", "plain_text")

    @admin.action(description="Send selected emails")
    def send_selected(self, request: HttpRequest, queryset: QuerySet[Email]) -> None:
        ids = email_send_all(emails=queryset)
        skipped = queryset.count() - len(ids)
        self.message_user(
            request, f"Queued {len(ids)} emails; skipped {skipped} already sent or sending.", messages.INFO
        )


@admin.register(EmailCampaign)
class EmailCampaignAdmin(admin.ModelAdmin[EmailCampaign]):
    list_display = ("id", "subject", "status", "email_count", "created_by", "created_at", "finished_at")
    list_filter = ("status",)
    search_fields = ("subject",)
    readonly_fields = (
        "status",
        "email_count",
        "progress_page",
        "last_error",
        "created_by",
        "created_at",
        "finished_at",
    )
    actions = ["send_selected"]
    list_select_related = ("created_by",)

    def get_queryset(self, request: HttpRequest) -> QuerySet[EmailCampaign]:
        # A subquery, not Count("emails") over a join: the changelist's two
        # COUNTs then skip the annotation instead of grouping every email.
        emails = Email.objects.filter(campaign=OuterRef("pk")).order_by().values("campaign")
        email_count = Coalesce(Subquery(emails.annotate(count=Count("id")).values("count")), 0)
        return super().get_queryset(request).annotate(_email_count=email_count)

    def get_readonly_fields(self, request: HttpRequest, obj: EmailCampaign | None = None) -> tuple[str, ...]:
        # What has been sent to people cannot be edited afterwards.
        if obj is not None and obj.status != EmailCampaign.Status.DRAFT:
            return ("subject", "plain_text", *self.readonly_fields)
        return self.readonly_fields

    def save_model(self, request: HttpRequest, obj: EmailCampaign, form: Any, change: bool) -> None:
        if not change and isinstance(request.user, User):
            obj.created_by = request.user
        super().save_model(request, obj, form, change)

    @admin.display(description="emails")
    def email_count(self, obj: EmailCampaign) -> SafeString:
        count = getattr(obj, "_email_count", None)
        if count is None:
            count = obj.emails.count()
        url = reverse("admin:emails_email_changelist") + f"?campaign__id__exact={obj.id}"
        return format_html('<a href="{}">{}</a>', url, count)

    @admin.display(description="progress")
    def progress_page(self, obj: EmailCampaign) -> SafeString | str:
        if not obj.task_id:
            return "-"
        return format_html('<a href="{}">last run</a>', reverse("task:progress", kwargs={"task_id": obj.task_id}))

    @admin.action(description="Send the selected campaign to every onboarded user with a verified address")
    def send_selected(self, request: HttpRequest, queryset: QuerySet[EmailCampaign]) -> HttpResponseRedirect | None:
        if queryset.count() != 1 or not isinstance(request.user, User):
            self.message_user(request, "Select exactly one campaign to send.", messages.WARNING)
            return None
        try:
            campaign = email_campaign_queue(campaign=queryset.get(), user=request.user)
        except ApplicationError as exc:
            self.message_user(request, exc.message, messages.ERROR)
            return None
        return redirect("task:progress", task_id=campaign.task_id)
