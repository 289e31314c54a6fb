from django.urls import path

from styleguide_project.authentication.apis import AuthLoginApi, AuthLogoutAllApi, AuthLogoutApi

urlpatterns = [
    path("login/", AuthLoginApi.as_view(), name="login"),
    path("logout/", AuthLogoutApi.as_view(), name="logout"),
    path("logout-all/", AuthLogoutAllApi.as_view(), name="logout-all"),
]
