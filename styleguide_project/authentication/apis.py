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
from styleguide_project.users.models import BaseUser


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
