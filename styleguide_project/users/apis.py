from typing import Any

from django.contrib.auth.password_validation import (
    MinimumLengthValidator,
    get_default_password_validators,
    password_validators_help_texts,
    validate_password,
)
from django.core.validators import MinLengthValidator
from django.urls import reverse
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
    user_delete_by_owner,
    user_email_change_confirm,
    user_email_change_request,
    user_email_verification_resend,
    user_email_verify,
    user_register,
    user_update,
)
from styleguide_project.users.throttling import (
    EmailChangeConfirmRateThrottle,
    EmailChangeRateThrottle,
    PasswordCheckRateThrottle,
)


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
    """The caller's own account: read it, change the fields they own, or delete it."""

    class OutputSerializer(serializers.Serializer[BaseUser]):
        id = serializers.IntegerField()
        email = serializers.EmailField()
        name = serializers.CharField()
        pending_email = serializers.CharField(
            help_text="The address an email change waits to confirm from that mailbox; empty when none."
        )
        email_verified_at = serializers.DateTimeField(allow_null=True)
        onboarded_at = serializers.DateTimeField(allow_null=True)

    class UpdateInputSerializer(serializers.Serializer[dict[str, Any]]):
        # The fields a user owns (services/profile.py); any other key is ignored, as DRF does.
        name = serializers.CharField(max_length=150, allow_blank=True, required=False)

    class DeleteInputSerializer(serializers.Serializer[dict[str, str]]):
        password = serializers.CharField(max_length=128, write_only=True, style={"input_type": "password"})

    def get_throttles(self) -> list[Any]:
        throttles: list[Any] = super().get_throttles()
        if getattr(self, "request", None) is not None and self.request.method == "DELETE":
            # Deleting checks the password: counted like every password check outside login.
            throttles.append(PasswordCheckRateThrottle())
        return throttles

    # 401 and 429 come from AutoSchema, which reads the view's access classes.
    @extend_schema(responses={200: OutputSerializer})
    def get(self, request: Request) -> Response:
        assert isinstance(request.user, BaseUser)  # noqa: S101 - IsAuthenticated ran first
        return Response(self.OutputSerializer(request.user).data)

    @extend_schema(operation_id="users_user_update", request=UpdateInputSerializer, responses={200: OutputSerializer})
    def patch(self, request: Request) -> Response:
        assert isinstance(request.user, BaseUser)  # noqa: S101 - IsAuthenticated ran first
        serializer = self.UpdateInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        user = user_update(user=request.user, data=dict(serializer.validated_data))
        return Response(self.OutputSerializer(user).data)

    # OpenAPI 3.0 has no request body for DELETE, so the schema states the
    # body in words; clients send {"password": "..."} as JSON all the same.
    @extend_schema(
        operation_id="users_user_delete",
        description=(
            'Delete the caller\'s account. The body is JSON, {"password": "<the account\'s password>"}. '
            "Every token and session of the account stops working, emails not yet sent to it are cancelled, "
            "and a confirmation is emailed to the address (docs/accounts.md has the policy)."
        ),
        request=None,
        responses={
            204: None,
            **rule_broken("The password is missing or not correct (extra.fields.password)."),
        },
    )
    def delete(self, request: Request) -> Response:
        assert isinstance(request.user, BaseUser)  # noqa: S101 - IsAuthenticated ran first
        serializer = self.DeleteInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        user_delete_by_owner(user=request.user, password=serializer.validated_data["password"])
        return Response(status=status.HTTP_204_NO_CONTENT)


class UserEmailChangeApi(APIView):
    """Ask to move the account to another address: a link goes there, a notice to the current one.

    The same 202 whether or not the new address has an account: only its
    mailbox learns that (a free one gets the link, a taken one nothing).
    """

    throttle_classes = [AnonRateThrottle, UserRateThrottle, PasswordCheckRateThrottle, EmailChangeRateThrottle]

    class InputSerializer(serializers.Serializer[dict[str, str]]):
        email = serializers.EmailField(max_length=255)
        password = serializers.CharField(max_length=128, write_only=True, style={"input_type": "password"})

    class OutputSerializer(serializers.Serializer[dict[str, str]]):
        pending_email = serializers.EmailField(help_text="The new address as it is stored (normalised).")
        message = serializers.CharField()

    @extend_schema(
        request=InputSerializer,
        responses={
            202: OutputSerializer,
            **rule_broken("The password is not correct, or the address is already the account's (extra.fields)."),
        },
    )
    def post(self, request: Request) -> Response:
        assert isinstance(request.user, BaseUser)  # noqa: S101 - IsAuthenticated ran first
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        user = user_email_change_request(
            user=request.user,
            email=serializer.validated_data["email"],
            password=serializer.validated_data["password"],
            page_url=request.build_absolute_uri(reverse("users:email-change-confirm-page")),
        )
        data = {
            "pending_email": user.pending_email,
            "message": "Check the new address's inbox: the change is made when its link is followed.",
        }
        return Response(self.OutputSerializer(data).data, status=status.HTTP_202_ACCEPTED)


class UserEmailChangeConfirmApi(APIView):
    """Confirm an email change with the token from the link sent to the new address.

    Open to anyone holding the token, logged in or not: the link is opened
    from the new mailbox, often on another device than the one that asked.
    """

    authentication_classes: list[type] = []
    permission_classes = [AllowAny]
    throttle_classes = [AnonRateThrottle, EmailChangeConfirmRateThrottle]

    class InputSerializer(serializers.Serializer[dict[str, str]]):
        token = serializers.CharField(max_length=1000)

    class OutputSerializer(serializers.Serializer[BaseUser]):
        email = serializers.EmailField()
        email_verified_at = serializers.DateTimeField()

    @extend_schema(
        request=InputSerializer,
        responses={
            200: OutputSerializer,
            **rule_broken(
                "The link has expired or is not valid, a newer change replaced it, it was used already, "
                "or the new address has been taken by another account since."
            ),
        },
    )
    def post(self, request: Request) -> Response:
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        user = user_email_change_confirm(token=serializer.validated_data["token"])
        return Response(self.OutputSerializer(user).data)


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

    throttle_classes = [AnonRateThrottle, UserRateThrottle, EmailVerificationResendRateThrottle]

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
        data = {"email": request.user.email, "message": "We have sent a new verification link to this address."}
        return Response(self.OutputSerializer(data).data, status=status.HTTP_202_ACCEPTED)
