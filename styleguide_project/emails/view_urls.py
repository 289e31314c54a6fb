"""The emails app's HTML pages, under `/emails/` with the namespace `emails`."""

from django.urls import path

from styleguide_project.emails.views import EmailCampaignDetailView, EmailCampaignLaunchView

urlpatterns = [
    path("campaigns/new/", EmailCampaignLaunchView.as_view(), name="campaign-launch"),
    path("campaigns/<int:campaign_id>/", EmailCampaignDetailView.as_view(), name="campaign-detail"),
]
