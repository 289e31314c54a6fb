"""Staff pages: the form that starts a campaign (then its progress page), the campaign's page, and its cancel."""

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views import View
from django.views.generic import FormView

from styleguide_project.campaigns.selectors import email_campaign_get, email_campaign_progress
from styleguide_project.campaigns.services import email_campaign_cancel, email_campaign_launch
from styleguide_project.core.exceptions import ApplicationError
from styleguide_project.core.permissions import StaffPermissionRequiredMixin
from styleguide_project.users.models import BaseUser


class EmailCampaignLaunchView(StaffPermissionRequiredMixin, FormView[forms.Form]):
    # What the campaign API's launch needs: sending a campaign creates one.
    permission_required = "campaigns.add_emailcampaign"

    class Form(forms.Form):
        subject = forms.CharField(max_length=255)
        plain_text = forms.CharField(label="Message", widget=forms.Textarea, max_length=20_000)

    form_class = Form
    template_name = "campaigns/campaign_launch.html"

    def form_valid(self, form: forms.Form) -> HttpResponse:
        assert isinstance(self.request.user, BaseUser)  # noqa: S101 - has_permission ran first
        try:
            campaign = email_campaign_launch(created_by=self.request.user, **form.cleaned_data)
        except (ApplicationError, ValidationError) as exc:
            form.add_error(None, exc.message if isinstance(exc, ApplicationError) else exc)
            return self.form_invalid(form)
        return redirect("task:progress", task_id=campaign.task_id)


# How often the campaign's page reloads itself while the campaign is not finished (a meta refresh: the
# site's Content-Security-Policy runs no inline script).
CAMPAIGN_PAGE_REFRESH_SECONDS = 5


class EmailCampaignDetailView(StaffPermissionRequiredMixin, View):
    """Where a campaign's progress page leads when it is done: its status, its emails by status, and a Cancel
    button for staff who may change campaigns; it reloads itself until the campaign is finished."""

    permission_required = "campaigns.view_emailcampaign"
    http_method_names = ["get", "head"]

    def get(self, request: HttpRequest, campaign_id: int) -> HttpResponse:
        campaign = email_campaign_get(campaign_id=campaign_id)
        if campaign is None:
            return render(request, "campaigns/campaign_not_found.html", status=404)
        # The campaign API's detail shows the same progress, from the same selector.
        progress = email_campaign_progress(campaign=campaign)
        context = {
            "campaign": campaign,
            "progress": progress,
            "refresh_seconds": None if progress.finished else CAMPAIGN_PAGE_REFRESH_SECONDS,
            "can_cancel": progress.cancellable and request.user.has_perm("campaigns.change_emailcampaign"),
        }
        return render(request, "campaigns/campaign_detail.html", context)


class EmailCampaignCancelView(StaffPermissionRequiredMixin, View):
    """The campaign page's Cancel button: cancels it, then back to its page, which shows the counts."""

    # What the campaign API's cancel needs.
    permission_required = "campaigns.change_emailcampaign"
    http_method_names = ["post"]

    def post(self, request: HttpRequest, campaign_id: int) -> HttpResponse:
        campaign = email_campaign_get(campaign_id=campaign_id)
        if campaign is None:
            return render(request, "campaigns/campaign_not_found.html", status=404)
        assert isinstance(request.user, BaseUser)  # noqa: S101 - has_permission ran first
        try:
            cancellation = email_campaign_cancel(campaign=campaign, user=request.user)
        except ApplicationError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(
                request,
                f"Cancelled: {cancellation.sent} of its emails had been sent; "
                f"{cancellation.cancelled} will never be sent.",
            )
        return redirect("campaigns:detail", campaign_id=campaign.id)
