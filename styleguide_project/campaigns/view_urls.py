"""The campaigns' HTML pages, under `/emails/campaigns/` (where they have always been) with the namespace
`campaigns`."""

from django.urls import path

from styleguide_project.campaigns.views import EmailCampaignCancelView, EmailCampaignDetailView, EmailCampaignLaunchView

urlpatterns = [
    path("new/", EmailCampaignLaunchView.as_view(), name="launch"),
    path("<int:campaign_id>/", EmailCampaignDetailView.as_view(), name="detail"),
    path("<int:campaign_id>/cancel/", EmailCampaignCancelView.as_view(), name="cancel"),
]
