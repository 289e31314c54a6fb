"""The development inbox, under `/dev/inbox/` (namespace `inbox`); mounted only with DEBUG on (config/urls.py)."""

from django.urls import path

from styleguide_project.emails.views import EmailInboxDetailView, EmailInboxHtmlView, EmailInboxView

urlpatterns = [
    path("", EmailInboxView.as_view(), name="list"),
    path("<int:email_id>/", EmailInboxDetailView.as_view(), name="detail"),
    path("<int:email_id>/html/", EmailInboxHtmlView.as_view(), name="html"),
]
