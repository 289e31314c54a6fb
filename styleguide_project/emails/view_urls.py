"""The emails app's HTML pages, under `/emails/` with the namespace `emails`."""

from django.urls import path

from styleguide_project.emails.views import EmailCampaignLaunchView

urlpatterns = [
    path("campaigns/new/", EmailCampaignLaunchView.as_view(), name="campaign-launch"),
]
