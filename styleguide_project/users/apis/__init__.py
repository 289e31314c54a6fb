"""The users app's APIs, a module per concern; the names below are what `urls.py` routes to."""

from styleguide_project.users.apis.account import UserMeApi, UserOnboardingCompleteApi
from styleguide_project.users.apis.email import (
    EmailVerificationResendRateThrottle,
    UserEmailChangeApi,
    UserEmailChangeConfirmApi,
    UserEmailVerificationResendApi,
    UserEmailVerifyApi,
)
from styleguide_project.users.apis.password import UserPasswordChangeApi
from styleguide_project.users.apis.registration import NewPasswordField, PasswordRulesValidator, UserCreateApi

__all__ = (
    "EmailVerificationResendRateThrottle",
    "NewPasswordField",
    "PasswordRulesValidator",
    "UserCreateApi",
    "UserEmailChangeApi",
    "UserEmailChangeConfirmApi",
    "UserEmailVerificationResendApi",
    "UserEmailVerifyApi",
    "UserMeApi",
    "UserOnboardingCompleteApi",
    "UserPasswordChangeApi",
)
