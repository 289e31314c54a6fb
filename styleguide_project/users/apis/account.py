"""The caller's own account: reading it, the profile, deleting it, onboarding."""

from typing import Any

from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from styleguide_project.api.fields import StrictBooleanField, StrictCharField
from styleguide_project.api.schemas import rule_broken
from styleguide_project.api.throttling import AnonRateThrottle, UserRateThrottle
from styleguide_project.users.models import BaseUser
from styleguide_project.users.services import (
    user_complete_onboarding,
    user_delete_by_owner,
    user_update,
)
from styleguide_project.users.throttling import (
    PasswordCheckRateThrottle,
)


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
        receives_campaigns = serializers.BooleanField(
            help_text=(
                "Whether campaigns (emails from staff to every user) are sent to this account; false once "
                "unsubscribed. Emails about the account itself are always sent."
            )
        )

    class UpdateInputSerializer(serializers.Serializer[dict[str, Any]]):
        # The fields a user owns (services/profile.py); any other key is ignored, as DRF does.
        name = StrictCharField(max_length=150, allow_blank=True, required=False)
        receives_campaigns = StrictBooleanField(
            required=False,
            help_text="false: no more campaigns (as the unsubscribe link in each does); true: receive them again.",
        )

    class DeleteInputSerializer(serializers.Serializer[dict[str, str]]):
        password = StrictCharField(max_length=128, write_only=True, style={"input_type": "password"})

    throttle_classes = [AnonRateThrottle, UserRateThrottle]
    # Added for DELETE only: deleting checks the password (counted like every
    # password check outside login) and sends an email. A list, like
    # `throttle_classes`, so that a throttle can join it; reading and editing
    # the profile are not held up by them, and their schema says so.
    delete_throttle_classes = [PasswordCheckRateThrottle]

    def get_throttles(self) -> list[Any]:
        throttles: list[Any] = super().get_throttles()
        if getattr(self, "request", None) is not None and self.request.method == "DELETE":
            throttles += [throttle() for throttle in self.delete_throttle_classes]
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
