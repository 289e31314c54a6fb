from typing import Any

from django.contrib.auth.password_validation import (
    MinimumLengthValidator,
    get_default_password_validators,
    password_validators_help_texts,
    validate_password,
)
from django.core.validators import MinLengthValidator
from django.utils.functional import lazy
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from styleguide_project.api.schemas import rule_broken
from styleguide_project.api.throttling import AnonRateThrottle, FixedWindowRateThrottle, UserRateThrottle
from styleguide_project.users.models import BaseUser, user_normalize_email
from styleguide_project.users.services import (
    user_complete_onboarding,
    user_email_verification_means,
    user_email_verification_resend,
    user_email_verify,
    user_register,
)
from styleguide_project.users.throttling import UNSOLICITED_EMAIL_THROTTLES


def _password_min_length() -> int:
    lengths = [v.min_length for v in get_default_password_validators() if isinstance(v, MinimumLengthValidator)]
    return max([1, *lengths])


class PasswordRulesValidator(MinLengthValidator):
    """The AUTH_PASSWORD_VALIDATORS that need no user (length, common, numeric), every reason at once.

    A `MinLengthValidator` whose limit is read from the settings, so that the
    schema states the minimum length as `minLength`. The service checks the
    password again with the user (similarity to the email).
    """

    def __init__(self) -> None:
        super().__init__(limit_value=_password_min_length)

    def __call__(self, value: str) -> None:
        validate_password(value)


class NewPasswordField(serializers.CharField):
    """A password being set, checked against AUTH_PASSWORD_VALIDATORS; the schema gives their rules."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(
            max_length=128,
            write_only=True,
            style={"input_type": "password"},
            validators=[PasswordRulesValidator()],
            # Read when the schema is generated: the rules of the validators in force.
            help_text=lazy(lambda: " ".join(str(text) for text in password_validators_help_texts()), str)(),
            **kwargs,
        )


class UserCreateApi(APIView):
    """Register: 202 and the same body whether or not the address already has an account.

    A new address gets its account and a verification link by email; a taken
    one gets, by email, a notice that someone tried to register with it.
    Either way the answer here says only "check your inbox".
    """

    authentication_classes: list[type] = []
    permission_classes = [AllowAny]
    # Every registration emails its address (a link or a notice): the budget counts `email`.
    throttle_classes = [AnonRateThrottle, UserRateThrottle, *UNSOLICITED_EMAIL_THROTTLES]

    class InputSerializer(serializers.Serializer[dict[str, str]]):
        email = serializers.EmailField(max_length=255)
        password = NewPasswordField()

    class OutputSerializer(serializers.Serializer[dict[str, str]]):
        email = serializers.EmailField(help_text="The address as it is stored (normalised).")
        message = serializers.CharField()

    @extend_schema(request=InputSerializer, responses={202: OutputSerializer})
    def post(self, request: Request) -> Response:
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        email = user_normalize_email(serializer.validated_data["email"])
        user_register(email=email, password=serializer.validated_data["password"])
        data = {"email": email, "message": "Check your inbox: we have sent an email to this address."}
        return Response(self.OutputSerializer(data).data, status=status.HTTP_202_ACCEPTED)


class UserMeApi(APIView):
    class OutputSerializer(serializers.Serializer[BaseUser]):
        id = serializers.IntegerField()
        email = serializers.EmailField()
        email_verified_at = serializers.DateTimeField(allow_null=True)
        onboarded_at = serializers.DateTimeField(allow_null=True)

    # 401 and 429 come from AutoSchema, which reads the view's access classes.
    @extend_schema(responses={200: OutputSerializer})
    def get(self, request: Request) -> Response:
        assert isinstance(request.user, BaseUser)  # noqa: S101 - IsAuthenticated ran first
        return Response(self.OutputSerializer(request.user).data)


class UserOnboardingCompleteApi(APIView):
    class OutputSerializer(serializers.Serializer[BaseUser]):
        id = serializers.IntegerField()
        email = serializers.EmailField()
        onboarded_at = serializers.DateTimeField(allow_null=True)

    @extend_schema(
        request=None,
        responses={200: OutputSerializer, **rule_broken("Onboarding is already complete (extra.onboarded_at).")},
    )
    def post(self, request: Request) -> Response:
        assert isinstance(request.user, BaseUser)  # noqa: S101 - IsAuthenticated ran first
        user = user_complete_onboarding(user=request.user)
        return Response(self.OutputSerializer(user).data)


class UserEmailVerifyApi(APIView):
    """Verify the caller's address with the token from the verification email (a link works once)."""

    class InputSerializer(serializers.Serializer[dict[str, str]]):
        token = serializers.CharField(max_length=1000)

    class OutputSerializer(serializers.Serializer[BaseUser]):
        id = serializers.IntegerField()
        email = serializers.EmailField()
        email_verified_at = serializers.DateTimeField()

    @extend_schema(
        request=InputSerializer,
        responses={
            200: OutputSerializer,
            **rule_broken(
                "The link has expired, is not valid, or is not for this account's address; or the address is "
                "already verified (extra.email_verified_at)."
            ),
        },
    )
    def post(self, request: Request) -> Response:
        assert isinstance(request.user, BaseUser)  # noqa: S101 - IsAuthenticated ran first
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        user = user_email_verify(user=request.user, token=serializer.validated_data["token"])
        return Response(self.OutputSerializer(user).data)


class EmailVerificationResendRateThrottle(FixedWindowRateThrottle):
    """New verification links per user (`THROTTLE_EMAIL_VERIFICATION_RESEND_RATE`): each one sends an email."""

    scope = "email_verification_resend"

    def get_cache_key(self, request: Request, view: object) -> str | None:
        if not (request.user and request.user.is_authenticated):
            return None
        return str(request.user.pk)


class UserEmailVerificationResendApi(APIView):
    """Email the caller a new verification link; 400 once the address is verified."""

    throttle_classes = [
        AnonRateThrottle,
        UserRateThrottle,
        EmailVerificationResendRateThrottle,
        *UNSOLICITED_EMAIL_THROTTLES,
    ]

    def unsolicited_email_recipients(self, request: Request) -> list[str]:
        """The caller's unverified address, the budget's recipient; none once verified (the answer is a 400)."""
        user = request.user
        if isinstance(user, BaseUser) and user.email_verified_at is None:
            return [user.email]
        return []

    class OutputSerializer(serializers.Serializer[dict[str, str]]):
        email = serializers.EmailField()
        message = serializers.CharField()

    @extend_schema(
        request=None,
        responses={
            202: OutputSerializer,
            **rule_broken("The address is already verified (extra.email_verified_at)."),
        },
    )
    def post(self, request: Request) -> Response:
        assert isinstance(request.user, BaseUser)  # noqa: S101 - IsAuthenticated ran first
        user_email_verification_resend(user=request.user)
        means = user_email_verification_means()
        data = {"email": request.user.email, "message": f"We have sent a new verification {means} to this address."}
        return Response(self.OutputSerializer(data).data, status=status.HTTP_202_ACCEPTED)
