from django.urls import path

from styleguide_project.emails.apis import (
    EmailDetailApi,
    EmailListApi,
    EmailRetryApi,
    EmailSendApi,
)

urlpatterns = [
    path("", EmailListApi.as_view(), name="list"),
    path("send/", EmailSendApi.as_view(), name="send"),
    path("<int:email_id>/", EmailDetailApi.as_view(), name="detail"),
    path("<int:email_id>/retry/", EmailRetryApi.as_view(), name="retry"),
]
