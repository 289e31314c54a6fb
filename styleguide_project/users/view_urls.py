"""Pages the links in account emails open, under `/users/` with the namespace `users`."""

from django.urls import path

from styleguide_project.users.views import EmailChangeConfirmView, UnsubscribeView

urlpatterns = [
    path("email/confirm/", EmailChangeConfirmView.as_view(), name="email-change-confirm-page"),
    # A campaign email's unsubscribe link (List-Unsubscribe); the token is signed.
    path("unsubscribe/<str:token>/", UnsubscribeView.as_view(), name="unsubscribe"),
]
