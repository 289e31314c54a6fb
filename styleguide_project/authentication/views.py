"""Session login and logout for the few HTML pages (progress pages, the campaign form), the admin's login,
and the page a password reset email links to when there is no FRONTEND_URL.

REST clients use token login (`apis.py`); these pages are for people in a browser.
Each counts in the buckets of the API it mirrors (`throttling.py`, `users/throttling.py`).
"""

import math
from typing import Any

from django import forms
from django.contrib import admin
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth.forms import AuthenticationForm, SetPasswordForm
from django.contrib.auth.views import LoginView
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.decorators import method_decorator
from django.views import View
from django.views.decorators.cache import never_cache

from styleguide_project.api.throttling import ThrottleUnavailable
from styleguide_project.authentication.throttling import ThrottledAuthenticationFormMixin, login_throttled_response
from styleguide_project.core.exceptions import ApplicationError
from styleguide_project.users.models import BaseUser, user_normalize_email
from styleguide_project.users.selectors import user_get_by_password_reset_token
from styleguide_project.users.services import user_password_reset_confirm, user_password_reset_request
from styleguide_project.users.throttling import (
    UNSOLICITED_EMAIL_THROTTLES,
    PasswordResetAddressRateThrottle,
    PasswordResetConfirmRateThrottle,
    PasswordResetEmailRateThrottle,
    throttle_wait,
)


class LoginForm(ThrottledAuthenticationFormMixin, AuthenticationForm):
    username = forms.EmailField(label="Email", widget=forms.EmailInput(attrs={"autofocus": True}))

    def clean_username(self) -> str:
        # Emails are stored normalised; "Ada@Example.com" is the same account.
        return user_normalize_email(self.cleaned_data["username"])


class ThrottledLoginView(LoginView):
    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        return login_throttled_response(request, super().post(request, *args, **kwargs))


class ThrottledAdminAuthenticationForm(ThrottledAuthenticationFormMixin, AdminAuthenticationForm):
    pass


class ThrottledAdminSite(admin.AdminSite):
    """Django's admin site, whose login counts in the login buckets (installed by `ThrottledAdminConfig`)."""

    login_form = ThrottledAdminAuthenticationForm
    # The project's name, where Django's admin would say "Django administration".
    site_header = "styleguide_project administration"
    site_title = "styleguide_project admin"
    index_title = "What staff can manage"

    def login(self, request: HttpRequest, extra_context: dict[str, Any] | None = None) -> HttpResponse:
        return login_throttled_response(request, super().login(request, extra_context))


class PasswordResetRequestForm(forms.Form):
    email = forms.EmailField(label="Email", max_length=255, widget=forms.EmailInput(attrs={"autofocus": True}))


def _throttled(request: HttpRequest, throttle_classes: list[Any]) -> tuple[str, int, float] | None:
    """Count a form's POST in the API's buckets: None, or the message, status and wait of a refusal."""
    try:
        wait = throttle_wait(request, throttle_classes)
    except ThrottleUnavailable as exc:
        return str(exc.detail), exc.status_code, exc.wait
    if wait is not None:
        return f"Too many attempts. Try again in {math.ceil(wait / 60)} minute(s).", 429, wait
    return None


class PasswordResetRequestView(View):
    """ "Forgot your password?": the form of `POST /api/auth/password/reset/`, with its answer and its buckets.

    The same page follows whether or not the address has an account.
    """

    template_name = "authentication/password_reset_request.html"

    def get(self, request: HttpRequest) -> HttpResponse:
        return render(request, self.template_name, {"form": PasswordResetRequestForm()})

    def post(self, request: HttpRequest) -> HttpResponse:
        form = PasswordResetRequestForm(data=request.POST)
        refused = _throttled(
            request, [PasswordResetAddressRateThrottle, PasswordResetEmailRateThrottle, *UNSOLICITED_EMAIL_THROTTLES]
        )
        if refused is not None:
            message, status, wait = refused
            response = render(request, self.template_name, {"form": form, "error": message}, status=status)
            response["Retry-After"] = str(math.ceil(wait))
            return response
        if not form.is_valid():
            return render(request, self.template_name, {"form": form}, status=400)
        user_password_reset_request(email=form.cleaned_data["email"], site_url=request.build_absolute_uri("/"))
        return render(request, self.template_name, {"sent": True})


# The token is in the reset page's URL: no request the page makes (its
# stylesheet, a link followed) may carry the URL away in a Referer, only the
# origin. Not "no-referrer": the browser would then send `Origin: null` with
# the form, and Django's CSRF check rightly refuses that.
REFERRER_POLICY = "strict-origin"


@method_decorator(never_cache, name="dispatch")
class PasswordResetConfirmView(View):
    """The page a reset email links to: GET shows the form, only POST sets the password.

    Mail scanners open the links in emails, so opening one changes nothing (it
    checks the token, a read). The POST counts in the reset API's bucket, is
    CSRF-protected by Django's middleware, and calls the same service as
    `POST /api/auth/password/reset/confirm/`.
    """

    template_name = "authentication/password_reset_confirm.html"
    done_template_name = "authentication/password_reset_done.html"

    def get(self, request: HttpRequest, token: str) -> HttpResponse:
        try:
            user = user_get_by_password_reset_token(token=token)
        except ApplicationError as exc:
            return self._render(request, error=exc.message)
        return self._render(request, form=SetPasswordForm(user))

    def post(self, request: HttpRequest, token: str) -> HttpResponse:
        refused = _throttled(request, [PasswordResetConfirmRateThrottle])
        if refused is not None:
            message, status, wait = refused
            return self._render(request, error=message, status=status, retry_after=wait)
        try:
            user = user_get_by_password_reset_token(token=token)
        except ApplicationError as exc:
            return self._render(request, error=exc.message)

        form = SetPasswordForm(user, data=request.POST)
        if not form.is_valid():
            return self._render(request, form=form, status=400)
        try:
            user_password_reset_confirm(token=token, password=form.cleaned_data["new_password1"])
        except ApplicationError as exc:
            # Used or replaced between the check above and now.
            return self._render(request, error=exc.message)
        except ValidationError as exc:
            form.add_error("new_password1", exc.message_dict.get("password", exc.messages))
            return self._render(request, form=form, status=400)
        response = render(request, self.done_template_name)
        response["Referrer-Policy"] = REFERRER_POLICY
        return response

    def _render(
        self,
        request: HttpRequest,
        *,
        form: "SetPasswordForm[BaseUser] | None" = None,
        error: str | None = None,
        status: int = 200,
        retry_after: float | None = None,
    ) -> HttpResponse:
        response = render(request, self.template_name, {"form": form, "error": error}, status=status)
        response["Referrer-Policy"] = REFERRER_POLICY
        if retry_after is not None:
            response["Retry-After"] = str(math.ceil(retry_after))
        return response
