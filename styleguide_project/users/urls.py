from django.urls import path

from styleguide_project.users.apis import UserCreateApi, UserMeApi, UserOnboardingCompleteApi

urlpatterns = [
    path("", UserCreateApi.as_view(), name="create"),
    path("me/", UserMeApi.as_view(), name="me"),
    path("me/onboarding/complete/", UserOnboardingCompleteApi.as_view(), name="onboarding-complete"),
]
