from django.urls import path

from styleguide_project.authentication.apis import (
    AuthLoginApi,
    AuthLogoutAllApi,
    AuthLogoutApi,
    AuthPasswordResetApi,
    AuthPasswordResetConfirmApi,
)

urlpatterns = [
    path("login/", AuthLoginApi.as_view(), name="login"),
    path("logout/", AuthLogoutApi.as_view(), name="logout"),
    path("logout-all/", AuthLogoutAllApi.as_view(), name="logout-all"),
    path("password/reset/", AuthPasswordResetApi.as_view(), name="password-reset"),
    path("password/reset/confirm/", AuthPasswordResetConfirmApi.as_view(), name="password-reset-confirm"),
]
