"""Session login and logout for the few HTML pages (progress pages, the campaign form), and the admin's login.

REST clients use token login (`apis.py`); these pages are for people in a browser.
All of them count attempts in the API login's buckets (`throttling.py`).
"""

from typing import Any

from django import forms
from django.contrib import admin
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth.forms import AuthenticationForm
from django.contrib.auth.views import LoginView
from django.http import HttpRequest, HttpResponse

from styleguide_project.authentication.throttling import ThrottledAuthenticationFormMixin, login_throttled_response
from styleguide_project.users.models import user_normalize_email


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
