from typing import Any

from django.contrib import admin, messages
from django.db.models import Count, OuterRef, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.http import HttpRequest, HttpResponseRedirect
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.html import format_html
from django.utils.safestring import SafeString

from styleguide_project.campaigns.models import EmailCampaign, EmailCampaignRecipient
from styleguide_project.campaigns.services import email_campaign_cancel, email_campaign_copy, email_campaign_queue
from styleguide_project.core.exceptions import ApplicationError
from styleguide_project.users.models import BaseUser


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
        "cancelled_at",
        "cancelled_by",
    )
    actions = ["send_selected", "cancel_selected", "copy_selected"]
    list_select_related = ("created_by",)

    def get_queryset(self, request: HttpRequest) -> QuerySet[EmailCampaign]:
        # A subquery, not Count("recipients") over a join: the changelist's two
        # COUNTs then skip the annotation instead of grouping every email.
        recipients = EmailCampaignRecipient.objects.filter(campaign=OuterRef("pk")).order_by().values("campaign")
        email_count = Coalesce(Subquery(recipients.annotate(count=Count("id")).values("count")), 0)
        return super().get_queryset(request).annotate(_email_count=email_count)

    def get_readonly_fields(self, request: HttpRequest, obj: EmailCampaign | None = None) -> tuple[str, ...]:
        # What has been sent to people cannot be edited afterwards.
        if obj is not None and obj.status != EmailCampaign.Status.DRAFT:
            return ("subject", "plain_text", *self.readonly_fields)
        return self.readonly_fields

    def save_model(self, request: HttpRequest, obj: EmailCampaign, form: Any, change: bool) -> None:
        if not change and isinstance(request.user, BaseUser):
            obj.created_by = request.user
        super().save_model(request, obj, form, change)

    @admin.display(description="emails")
    def email_count(self, obj: EmailCampaign) -> SafeString:
        count = getattr(obj, "_email_count", None)
        if count is None:
            count = obj.recipients.count()
        url = reverse("admin:campaigns_emailcampaignrecipient_changelist") + f"?campaign__id__exact={obj.id}"
        return format_html('<a href="{}">{}</a>', url, count)

    @admin.display(description="progress")
    def progress_page(self, obj: EmailCampaign) -> SafeString | str:
        if not obj.task_id:
            return "-"
        return format_html('<a href="{}">last run</a>', reverse("task:progress", kwargs={"task_id": obj.task_id}))

    # Sending needs the add permission, as the API's launch does (sending a campaign is making one go out).
    @admin.action(
        description="Send the selected campaign to every onboarded user with a verified address", permissions=["add"]
    )
    def send_selected(self, request: HttpRequest, queryset: QuerySet[EmailCampaign]) -> HttpResponseRedirect | None:
        if queryset.count() != 1 or not isinstance(request.user, BaseUser):
            self.message_user(request, "Select exactly one campaign to send.", messages.WARNING)
            return None
        try:
            campaign = email_campaign_queue(campaign=queryset.get(), user=request.user)
        except ApplicationError as exc:
            self.message_user(request, exc.message, messages.ERROR)
            return None
        return redirect("task:progress", task_id=campaign.task_id)

    # Cancelling changes the campaign and its emails: the change permission, as the API's cancel needs.
    @admin.action(description="Cancel selected campaigns", permissions=["change"])
    def cancel_selected(self, request: HttpRequest, queryset: QuerySet[EmailCampaign]) -> None:
        user = request.user if isinstance(request.user, BaseUser) else None
        for campaign in queryset.order_by("id"):
            try:
                cancellation = email_campaign_cancel(campaign=campaign, user=user)
            except ApplicationError as exc:
                self.message_user(request, f"Campaign {campaign.id}: {exc.message}", messages.ERROR)
                continue
            self.message_user(
                request,
                f"Campaign {campaign.id} cancelled: {cancellation.sent} of its emails had been sent; "
                f"{cancellation.cancelled} will never be sent.",
                messages.SUCCESS,
            )

    # A new campaign: the add permission, as the API's copy needs.
    @admin.action(description="Copy into a new draft", permissions=["add"])
    def copy_selected(self, request: HttpRequest, queryset: QuerySet[EmailCampaign]) -> HttpResponseRedirect | None:
        user = request.user if isinstance(request.user, BaseUser) else None
        copies = [email_campaign_copy(campaign=campaign, created_by=user) for campaign in queryset.order_by("id")]
        if len(copies) == 1:
            # Straight to the draft, to edit it before sending.
            return redirect("admin:campaigns_emailcampaign_change", copies[0].id)
        self.message_user(request, f"{len(copies)} new drafts: {', '.join(str(c.id) for c in copies)}.")
        return None


@admin.register(EmailCampaignRecipient)
class EmailCampaignRecipientAdmin(admin.ModelAdmin[EmailCampaignRecipient]):
    """Each campaign's emails, by address: read only, since the campaign writes these rows as it sends."""

    list_display = ("address", "email_link", "email_status", "email_sent_at", "campaign", "created_at")
    list_filter = ("campaign", "email__status")
    search_fields = ("address",)
    list_select_related = ("campaign", "email")

    def get_queryset(self, request: HttpRequest) -> QuerySet[EmailCampaignRecipient]:
        # The list never shows the email's bodies; they can be large.
        return super().get_queryset(request).defer("email__html", "email__plain_text")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: EmailCampaignRecipient | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: EmailCampaignRecipient | None = None) -> bool:
        return False

    @admin.display(description="email")
    def email_link(self, obj: EmailCampaignRecipient) -> SafeString:
        return format_html(
            '<a href="{}">{}</a>', reverse("admin:emails_email_change", args=[obj.email_id]), obj.email_id
        )

    @admin.display(description="status", ordering="email__status")
    def email_status(self, obj: EmailCampaignRecipient) -> str:
        return obj.email.status

    @admin.display(description="sent at", ordering="email__sent_at")
    def email_sent_at(self, obj: EmailCampaignRecipient) -> Any:
        return obj.email.sent_at
