from django.urls import path

from styleguide_project.users.apis import (
    UserCreateApi,
    UserEmailChangeApi,
    UserEmailChangeConfirmApi,
    UserEmailVerificationResendApi,
    UserEmailVerifyApi,
    UserMeApi,
    UserOnboardingCompleteApi,
    UserPasswordChangeApi,
)

urlpatterns = [
    path("", UserCreateApi.as_view(), name="create"),
    path("me/", UserMeApi.as_view(), name="me"),
    path("email/confirm/", UserEmailChangeConfirmApi.as_view(), name="email-change-confirm"),
    path("me/email/", UserEmailChangeApi.as_view(), name="email-change"),
    path("me/email/verify/", UserEmailVerifyApi.as_view(), name="email-verify"),
    path("me/email/verify/resend/", UserEmailVerificationResendApi.as_view(), name="email-verification-resend"),
    path("me/password/", UserPasswordChangeApi.as_view(), name="password-change"),
    path("me/onboarding/complete/", UserOnboardingCompleteApi.as_view(), name="onboarding-complete"),
]
