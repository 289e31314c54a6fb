from django.urls import path

from styleguide_project.campaigns.apis import EmailCampaignLaunchApi

urlpatterns = [
    path("", EmailCampaignLaunchApi.as_view(), name="launch"),
]
