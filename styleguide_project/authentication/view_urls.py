"""The HTML login, logout and password reset pages, under `/accounts/` with the namespace `accounts`."""

from django.contrib.auth.views import LogoutView
from django.urls import path

from styleguide_project.authentication.views import (
    LoginForm,
    PasswordResetConfirmView,
    PasswordResetRequestView,
    ThrottledLoginView,
)

urlpatterns = [
    path(
        "login/",
        ThrottledLoginView.as_view(
            template_name="authentication/login.html", authentication_form=LoginForm, redirect_authenticated_user=True
        ),
        name="login",
    ),
    # POST only (Django's LogoutView): a link or an image cannot log anyone out.
    path("logout/", LogoutView.as_view(), name="logout"),
    # "Forgot your password?": asks for the reset email.
    path("password/reset/", PasswordResetRequestView.as_view(), name="password-reset"),
    # Where a reset email links to when FRONTEND_URL is empty; GET shows a form, POST sets the password.
    path("password/reset/<str:token>/", PasswordResetConfirmView.as_view(), name="password-reset-confirm"),
]
