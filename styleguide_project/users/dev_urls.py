"""The development page of the verification link, under `/dev/verify-email/` (namespace `dev_users`); DEBUG only."""

from django.urls import path

from styleguide_project.users.views import DevEmailVerifyView

urlpatterns = [
    path("", DevEmailVerifyView.as_view(), name="email-verify"),
]
