"""The address: verifying it, a new link, and moving to another address."""

from django.urls import reverse
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from styleguide_project.api.fields import StrictCharField
from styleguide_project.api.schemas import rule_broken
from styleguide_project.api.throttling import AnonRateThrottle, FixedWindowRateThrottle, UserRateThrottle
from styleguide_project.users.models import BaseUser
from styleguide_project.users.services import (
    user_email_change_confirm,
    user_email_change_request,
    user_email_verification_means,
    user_email_verification_resend,
    user_email_verify,
)
from styleguide_project.users.throttling import (
    UNSOLICITED_EMAIL_THROTTLES,
    EmailChangeConfirmRateThrottle,
    EmailChangeRateThrottle,
    PasswordCheckRateThrottle,
)


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


class UserEmailChangeApi(APIView):
    """Ask to move the account to another address: a link goes there, a notice to the current one.

    The same 202 whether or not the new address has an account: only its
    mailbox learns that (a free one gets the link, a taken one nothing).
    """

    throttle_classes = [
        AnonRateThrottle,
        UserRateThrottle,
        PasswordCheckRateThrottle,
        EmailChangeRateThrottle,
        *UNSOLICITED_EMAIL_THROTTLES,
    ]

    def unsolicited_email_recipients(self, request: Request) -> list[str]:
        """The budget's recipients: the new address (its link) and the current one (the notice)."""
        new_address = request.data.get("email") if isinstance(request.data, dict) else None
        current = request.user.email if isinstance(request.user, BaseUser) else None
        return [address for address in (new_address, current) if isinstance(address, str)]

    class InputSerializer(serializers.Serializer[dict[str, str]]):
        email = serializers.EmailField(max_length=255)
        password = StrictCharField(max_length=128, write_only=True, style={"input_type": "password"})

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
        token = StrictCharField(max_length=1000)

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
