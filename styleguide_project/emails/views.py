"""The staff page that starts a campaign and sends its author to the progress page."""

from django import forms
from django.contrib.auth.mixins import UserPassesTestMixin
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect
from django.views.generic import FormView

from styleguide_project.core.exceptions import ApplicationError
from styleguide_project.emails.services import email_campaign_launch
from styleguide_project.users.models import BaseUser


class EmailCampaignLaunchView(UserPassesTestMixin, FormView[forms.Form]):
    """Staff only: anonymous visitors go to the login page, other users get 403."""

    class Form(forms.Form):
        subject = forms.CharField(max_length=255)
        plain_text = forms.CharField(label="Message", widget=forms.Textarea, max_length=20_000)

    form_class = Form
    template_name = "emails/campaign_launch.html"

    def test_func(self) -> bool:
        user = self.request.user
        return isinstance(user, BaseUser) and user.is_active and user.is_staff

    def form_valid(self, form: forms.Form) -> HttpResponse:
        assert isinstance(self.request.user, BaseUser)  # noqa: S101 - test_func ran first
        try:
            campaign = email_campaign_launch(created_by=self.request.user, **form.cleaned_data)
        except (ApplicationError, ValidationError) as exc:
            form.add_error(None, exc.message if isinstance(exc, ApplicationError) else exc)
            return self.form_invalid(form)
        return redirect("task:progress", task_id=campaign.task_id)
