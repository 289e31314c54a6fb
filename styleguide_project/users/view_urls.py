"""Pages the links in account emails open, under `/users/` with the namespace `users`."""

from django.urls import path

from styleguide_project.users.views import EmailChangeConfirmView

urlpatterns = [
    path("email/confirm/", EmailChangeConfirmView.as_view(), name="email-change-confirm-page"),
]
