"""The development page the verification link leads to under DEBUG (`make run`): one click verifies the address.

In production the link leads to the client application's page
(EMAIL_VERIFICATION_URL), which sends the token to the API. Under DEBUG,
without that setting, `config/django/local.py` points the link here, so a
newcomer clicks it in the development inbox (`/dev/inbox/`). It exists only
with DEBUG on: `config/urls.py` mounts it then, and it answers 404 otherwise too.
"""

from typing import Any

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import render
from django.views import View

from styleguide_project.core.exceptions import ApplicationError
from styleguide_project.users.services import user_email_verify_by_token

TEMPLATE = "users/dev_email_verify.html"


class DevEmailVerifyView(View):
    """GET shows the button (a link opened by a mail scanner changes nothing); POST verifies."""

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if not settings.DEBUG:
            raise Http404("This page exists only with DEBUG on.")
        return super().dispatch(request, *args, **kwargs)

    def get(self, request: HttpRequest) -> HttpResponse:
        return render(request, TEMPLATE, {"token": request.GET.get("token", "")})

    def post(self, request: HttpRequest) -> HttpResponse:
        token = request.POST.get("token", "")
        try:
            user = user_email_verify_by_token(token=token)
        except ApplicationError as exc:
            return render(request, TEMPLATE, {"token": token, "error": exc.message}, status=400)
        return render(request, TEMPLATE, {"verified": user})
