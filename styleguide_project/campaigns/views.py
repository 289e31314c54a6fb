"""Staff pages: the form that starts a campaign (then its progress page), and the campaign's page."""

from django import forms
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views import View
from django.views.generic import FormView

from styleguide_project.campaigns.selectors import email_campaign_get, email_campaign_progress
from styleguide_project.campaigns.services import email_campaign_launch
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


class EmailCampaignDetailView(StaffPermissionRequiredMixin, View):
    """Where a campaign's progress page leads when it is done: its status and its emails by status."""

    permission_required = "campaigns.view_emailcampaign"
    http_method_names = ["get", "head"]

    def get(self, request: HttpRequest, campaign_id: int) -> HttpResponse:
        campaign = email_campaign_get(campaign_id=campaign_id)
        if campaign is None:
            return render(request, "campaigns/campaign_not_found.html", status=404)
        # The campaign API's detail shows the same progress, from the same selector.
        context = {"campaign": campaign, "progress": email_campaign_progress(campaign=campaign)}
        return render(request, "campaigns/campaign_detail.html", context)
