from typing import Any

from django.contrib.auth import logout
from drf_spectacular.utils import extend_schema
from knox.models import AuthToken
from rest_framework import serializers, status
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from styleguide_project.api.schemas import rule_broken
from styleguide_project.authentication.selectors import auth_token_expires_at
from styleguide_project.authentication.services import auth_token_obtain, auth_token_revoke, auth_token_revoke_all
from styleguide_project.authentication.throttling import (
    LoginAddressRateThrottle,
    LoginEmailRateThrottle,
    login_address_remember,
)
from styleguide_project.users.apis import NewPasswordField
from styleguide_project.users.models import BaseUser
from styleguide_project.users.services import user_password_reset_confirm, user_password_reset_request
from styleguide_project.users.throttling import (
    UNSOLICITED_EMAIL_THROTTLES,
    PasswordResetAddressRateThrottle,
    PasswordResetConfirmRateThrottle,
    PasswordResetEmailRateThrottle,
)


class AuthLoginApi(APIView):
    authentication_classes: list[type] = []
    permission_classes = [AllowAny]
    # Checked before the credentials, so a throttled attempt tells nothing about them.
    throttle_classes = [*APIView.throttle_classes, LoginEmailRateThrottle, LoginAddressRateThrottle]

    class InputSerializer(serializers.Serializer[dict[str, str]]):
        email = serializers.EmailField()
        password = serializers.CharField(max_length=128, style={"input_type": "password"})

    class OutputSerializer(serializers.Serializer[dict[str, Any]]):
        token = serializers.CharField(help_text="Shown once: the server keeps only its digest.")
        expires_at = serializers.DateTimeField(help_text="After this the token is refused; log in again.")

    @extend_schema(
        request=InputSerializer,
        responses={200: OutputSerializer, **rule_broken("The email and password match no active account.")},
    )
    def post(self, request: Request) -> Response:
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        token, key = auth_token_obtain(request=request, **serializer.validated_data)
        login_address_remember(request=request, email=serializer.validated_data["email"])
        output = {"token": key, "expires_at": auth_token_expires_at(token=token)}
        return Response(self.OutputSerializer(output).data)


class AuthLogoutApi(APIView):
    """Logout of this device: the token of this request (or the session) stops working."""

    @extend_schema(request=None, responses={204: None})
    def post(self, request: Request) -> Response:
        if isinstance(request.auth, AuthToken):
            auth_token_revoke(token=request.auth)
        logout(request)
        return Response(status=status.HTTP_204_NO_CONTENT)


class AuthLogoutAllApi(APIView):
    """Logout everywhere: every token of the user stops working, and this session ends."""

    @extend_schema(request=None, responses={204: None})
    def post(self, request: Request) -> Response:
        assert isinstance(request.user, BaseUser)  # noqa: S101 - IsAuthenticated ran first
        auth_token_revoke_all(user=request.user)
        logout(request)
        return Response(status=status.HTTP_204_NO_CONTENT)


class AuthPasswordResetApi(APIView):
    """Ask for a password reset link by email: 202 and the same body whether or not the address has an account.

    An account with this address gets an email with a link that works once,
    for PASSWORD_RESET_TIMEOUT seconds. The answer, and the time it takes, say
    nothing about whether there is one: the lookup happens in a worker.
    """

    authentication_classes: list[type] = []
    permission_classes = [AllowAny]
    # Checked before the input: every request counts, whatever its email.
    throttle_classes = [
        *APIView.throttle_classes,
        PasswordResetAddressRateThrottle,
        PasswordResetEmailRateThrottle,
        *UNSOLICITED_EMAIL_THROTTLES,
    ]

    class InputSerializer(serializers.Serializer[dict[str, str]]):
        email = serializers.EmailField(max_length=255)

    class OutputSerializer(serializers.Serializer[dict[str, str]]):
        message = serializers.CharField()

    @extend_schema(request=InputSerializer, responses={202: OutputSerializer})
    def post(self, request: Request) -> Response:
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        # The link to this server's own page, when there is no FRONTEND_URL:
        # the host is one of ALLOWED_HOSTS (Django refuses any other), so a
        # forged Host header cannot point the link elsewhere.
        user_password_reset_request(email=serializer.validated_data["email"], site_url=request.build_absolute_uri("/"))
        data = {"message": "If an account has this address, we have sent it a link to reset the password."}
        return Response(self.OutputSerializer(data).data, status=status.HTTP_202_ACCEPTED)


class AuthPasswordResetConfirmApi(APIView):
    """Set a new password with the token from the reset email; every token and session of the account dies.

    The address is verified by it too (the token came from its mailbox).
    """

    authentication_classes: list[type] = []
    permission_classes = [AllowAny]
    throttle_classes = [*APIView.throttle_classes, PasswordResetConfirmRateThrottle]

    class InputSerializer(serializers.Serializer[dict[str, str]]):
        token = serializers.CharField(max_length=1000)
        password = NewPasswordField()

    class OutputSerializer(serializers.Serializer[dict[str, str]]):
        message = serializers.CharField()

    @extend_schema(
        request=InputSerializer,
        responses={
            200: OutputSerializer,
            **rule_broken("The link has expired, was already used, or is not valid."),
        },
    )
    def post(self, request: Request) -> Response:
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        user_password_reset_confirm(**serializer.validated_data)
        data = {"message": "Your password has been changed: log in with the new one."}
        return Response(self.OutputSerializer(data).data)
