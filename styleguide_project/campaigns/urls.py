from django.urls import path

from styleguide_project.api.routing import api_by_method
from styleguide_project.campaigns.apis import (
    EmailCampaignCancelApi,
    EmailCampaignCopyApi,
    EmailCampaignDetailApi,
    EmailCampaignLaunchApi,
    EmailCampaignListApi,
)

urlpatterns = [
    # One URL for the collection: GET lists the campaigns, POST launches one.
    path("", api_by_method(get=EmailCampaignListApi, post=EmailCampaignLaunchApi), name="list"),
    path("<int:campaign_id>/", EmailCampaignDetailApi.as_view(), name="detail"),
    path("<int:campaign_id>/cancel/", EmailCampaignCancelApi.as_view(), name="cancel"),
    path("<int:campaign_id>/copy/", EmailCampaignCopyApi.as_view(), name="copy"),
]
