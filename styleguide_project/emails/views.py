"""The development inbox: under DEBUG (`make run`), the emails the project sent, readable in the browser.

It exists only while DEBUG is on: `config/urls.py` mounts it then, and each
view answers 404 otherwise too, so a production site never shows it. Anyone
who reaches a DEBUG site may read it; DEBUG sites are a developer's own.
"""

from typing import Any

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from django.views.generic import TemplateView

from styleguide_project.emails.models import Email
from styleguide_project.emails.selectors import email_get, email_list

INBOX_LIMIT = 100


class _DebugOnlyMixin:
    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not settings.DEBUG:
            raise Http404("The development inbox exists only with DEBUG on.")
        return super().dispatch(request, *args, **kwargs)  # type: ignore[misc]


class EmailInboxView(_DebugOnlyMixin, TemplateView):
    """The newest emails first: subject, recipient, status."""

    template_name = "emails/inbox/list.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        return {**super().get_context_data(**kwargs), "emails": email_list()[:INBOX_LIMIT], "limit": INBOX_LIMIT}


class EmailInboxDetailView(_DebugOnlyMixin, TemplateView):
    """One email: its headers and its plain-text body with its links made clickable."""

    template_name = "emails/inbox/detail.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        return {**super().get_context_data(**kwargs), "email": _email(kwargs["email_id"])}


class EmailInboxHtmlView(_DebugOnlyMixin, TemplateView):
    """The email's HTML body as the recipient's mail program would show it, on a page of its own."""

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        return HttpResponse(_email(kwargs["email_id"]).html, content_type="text/html; charset=utf-8")


def _email(email_id: int) -> Email:
    email = email_get(email_id=email_id)
    if email is None:
        raise Http404(f"No email {email_id}.")
    return email
