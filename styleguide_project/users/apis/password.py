"""The password: changing it while logged in (resetting a forgotten one is under /api/auth/)."""

from typing import cast

from django.contrib.auth import update_session_auth_hash
from django.http import HttpRequest
from drf_spectacular.utils import extend_schema
from knox.models import AuthToken
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from styleguide_project.api.schemas import rule_broken
from styleguide_project.users.apis.registration import NewPasswordField
from styleguide_project.users.models import BaseUser
from styleguide_project.users.services import user_password_change
from styleguide_project.users.throttling import PasswordChangeRateThrottle


class UserPasswordChangeApi(APIView):
    """Change the caller's password: every other token and session dies, and a notice is emailed.

    The token (or session) of this request keeps working.
    """

    # Counted before the current password is checked: each call is a guess of it.
    throttle_classes = [*APIView.throttle_classes, PasswordChangeRateThrottle]

    class InputSerializer(serializers.Serializer[dict[str, str]]):
        current_password = serializers.CharField(max_length=128, write_only=True, style={"input_type": "password"})
        new_password = NewPasswordField()

    class OutputSerializer(serializers.Serializer[dict[str, str]]):
        message = serializers.CharField()

    @extend_schema(
        request=InputSerializer,
        responses={200: OutputSerializer, **rule_broken("The current password is not correct.")},
    )
    def post(self, request: Request) -> Response:
        assert isinstance(request.user, BaseUser)  # noqa: S101 - IsAuthenticated ran first
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        token = request.auth if isinstance(request.auth, AuthToken) else None
        user = user_password_change(
            user=request.user,
            current_password=serializer.validated_data["current_password"],
            new_password=serializer.validated_data["new_password"],
            keep_token_digest=token.digest if token is not None else None,
        )
        if token is None:
            # A session: it stays logged in under the new password (Django cycles its key).
            update_session_auth_hash(cast(HttpRequest, request), user)
        data = {"message": "Your password has been changed; your other devices and sessions are logged out."}
        return Response(self.OutputSerializer(data).data)
