"""Pages for people who follow a link from an email, when no client application (FRONTEND_URL) takes it.

Also the development page the verification link leads to under DEBUG (`make
run`): in production that link leads to the client application's page
(EMAIL_VERIFICATION_URL), which sends the token to the API. Under DEBUG,
without that setting, `config/django/local.py` points the link here, so a
newcomer clicks it in the development inbox (`/dev/inbox/`). It exists only
with DEBUG on: `config/urls.py` mounts it then, and it answers 404 otherwise too.
"""

import math
from typing import Any, cast

from django import forms
from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import render
from django.utils.decorators import method_decorator
from django.views import View
from django.views.decorators.csrf import csrf_exempt
from rest_framework.request import Request

from styleguide_project.api.throttling import AnonRateThrottle, FixedWindowRateThrottle, ThrottleUnavailable
from styleguide_project.core.exceptions import ApplicationError
from styleguide_project.users.services import (
    user_email_change_confirm,
    user_email_verify_by_token,
    user_get_by_unsubscribe_token,
    user_unsubscribe,
)
from styleguide_project.users.throttling import EmailChangeConfirmRateThrottle, UnsubscribeInvalidRateThrottle


class EmailChangeConfirmForm(forms.Form):
    token = forms.CharField(max_length=1000, widget=forms.HiddenInput)


class EmailChangeConfirmView(View):
    """The email-change link: GET shows a button and changes nothing, the button's POST confirms.

    Mail scanners and link previews open links by themselves; a GET that
    confirmed would change the address before its owner saw the email. The
    POST has the API's protection: Django's CSRF check and the same throttle
    (per client address, refused with 503 when the cache cannot count).
    No login: the link is opened from the new mailbox, often on another device.
    """

    http_method_names = ["get", "post", "head"]
    # The API's (`UserEmailChangeConfirmApi`), for the POST.
    throttle_classes: list[type[FixedWindowRateThrottle]] = [AnonRateThrottle, EmailChangeConfirmRateThrottle]
    template_name = "users/email_change_confirm.html"

    def get(self, request: HttpRequest) -> HttpResponse:
        form = EmailChangeConfirmForm(initial={"token": request.GET.get("token", "")})
        return render(request, self.template_name, {"form": form, "has_token": bool(request.GET.get("token"))})

    def post(self, request: HttpRequest) -> HttpResponse:
        # Every throttle counts the attempt, as DRF's check_throttles does. They read
        # only META (the client address), which Django's request has as DRF's does.
        throttles = [throttle() for throttle in self.throttle_classes]
        try:
            waits = [
                throttle.wait() for throttle in throttles if not throttle.allow_request(cast(Request, request), None)
            ]
        except ThrottleUnavailable as exc:
            return self._refused(request, "This is unavailable for a moment. Try again shortly.", 503, exc.wait)
        if waits:
            wait = max(waits)
            message = f"Too many attempts. Try again in {math.ceil(wait / 60)} minute(s)."
            return self._refused(request, message, 429, wait)

        form = EmailChangeConfirmForm(request.POST)
        if not form.is_valid():
            return self._refused(request, "This link is not valid.", 400)
        try:
            user = user_email_change_confirm(token=form.cleaned_data["token"])
        except ApplicationError as exc:
            return self._refused(request, exc.message, 400)
        return render(request, "users/email_change_done.html", {"email": user.email})

    def _refused(self, request: HttpRequest, message: str, status: int, wait: float | None = None) -> HttpResponse:
        response = render(request, "users/email_change_done.html", {"error": message}, status=status)
        if wait is not None:
            response["Retry-After"] = str(math.ceil(wait))
        return response


# Mail providers POST the one-click unsubscribe from their servers (RFC 8058):
# no cookie, so no CSRF token, and no login. What the POST may do is narrow
# (turn campaigns off for the user the signed token names, idempotently), and
# a forged cross-site POST could do no more than the link's holder can.
@method_decorator(csrf_exempt, name="dispatch")
class UnsubscribeView(View):
    """A campaign email's unsubscribe link: GET shows a button and changes nothing; POST unsubscribes.

    The POST is the one-click of RFC 8058 (`List-Unsubscribe=One-Click`, as
    a form, from a mail provider) or the button's; its body is not required,
    and a repeated POST answers the same. Links that are not ours count in a
    per-address throttle (`UnsubscribeInvalidRateThrottle`); valid ones do not.
    """

    http_method_names = ["get", "post", "head"]
    template_name = "users/unsubscribe.html"

    def get(self, request: HttpRequest, token: str) -> HttpResponse:
        try:
            user_get_by_unsubscribe_token(token=token)
        except ApplicationError as exc:
            return self._invalid(request, exc.message)
        return render(request, self.template_name, {"token": token})

    def post(self, request: HttpRequest, token: str) -> HttpResponse:
        try:
            user_unsubscribe(token=token)
        except ApplicationError as exc:
            return self._invalid(request, exc.message)
        return render(request, self.template_name, {"done": True})

    def _invalid(self, request: HttpRequest, message: str) -> HttpResponse:
        throttle = UnsubscribeInvalidRateThrottle()
        if not throttle.allow_request(cast(Request, request), None):
            wait = throttle.wait()
            message = f"Too many invalid links. Try again in {math.ceil(wait / 60)} minute(s)."
            response = render(request, self.template_name, {"error": message}, status=429)
            response["Retry-After"] = str(math.ceil(wait))
            return response
        return render(request, self.template_name, {"error": message}, status=404)


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
