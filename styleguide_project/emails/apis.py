from typing import Any

from django.http import Http404
from drf_spectacular.utils import PolymorphicProxySerializer, extend_schema
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from styleguide_project.api.idempotency import idempotent
from styleguide_project.api.pagination import LimitOffsetPagination, get_paginated_response, paginated_schema
from styleguide_project.api.schemas import NOT_FOUND, rule_broken
from styleguide_project.core.exceptions import ApplicationError
from styleguide_project.core.permissions import StaffPermission
from styleguide_project.emails.models import Email
from styleguide_project.emails.selectors import email_get, email_list
from styleguide_project.emails.services import email_retry, email_send_all


def _email_or_404(email_id: int) -> Email:
    email = email_get(email_id=email_id)
    if email is None:
        raise Http404
    return email


# The largest primary key the database holds (a bigint); a larger one would
# fail in the database instead of being refused here.
MAX_ID = 2**63 - 1


class EmailListApi(APIView):
    permission_classes = [StaffPermission.requiring("emails.view_email")]
    pagination_class = LimitOffsetPagination

    class FilterSerializer(serializers.Serializer[dict[str, str]]):
        status = serializers.ChoiceField(choices=Email.Status.choices, required=False)
        to = serializers.EmailField(required=False)

    class OutputSerializer(serializers.Serializer[Email]):
        id = serializers.IntegerField()
        to = serializers.EmailField()
        subject = serializers.CharField()
        status = serializers.ChoiceField(choices=Email.Status.choices)
        attempts = serializers.IntegerField()
        last_error = serializers.CharField()
        sent_at = serializers.DateTimeField(allow_null=True)
        created_at = serializers.DateTimeField()

    @extend_schema(
        parameters=[FilterSerializer],
        responses={200: paginated_schema(name="EmailListPage", serializer_class=OutputSerializer)},
    )
    def get(self, request: Request) -> Response:
        # A dict, not the QueryDict: DRF reads an empty optional value of form data as not given, and
        # `?status=` would list everything; an empty filter is refused like any other bad value.
        filters = self.FilterSerializer(data=request.query_params.dict())
        filters.is_valid(raise_exception=True)
        return get_paginated_response(
            pagination_class=self.pagination_class,
            serializer_class=self.OutputSerializer,
            # The list shows no body; bodies can be large.
            queryset=email_list(filters=filters.validated_data).defer("html", "plain_text"),
            request=request,
            view=self,
        )


class EmailDetailApi(APIView):
    permission_classes = [StaffPermission.requiring("emails.view_email")]

    class OutputSerializer(serializers.Serializer[Email]):
        id = serializers.IntegerField()
        to = serializers.EmailField()
        subject = serializers.CharField()
        html = serializers.CharField()
        plain_text = serializers.CharField()
        status = serializers.ChoiceField(choices=Email.Status.choices)
        attempts = serializers.IntegerField()
        last_error = serializers.CharField()
        sent_at = serializers.DateTimeField(allow_null=True)
        created_at = serializers.DateTimeField()
        updated_at = serializers.DateTimeField()

    @extend_schema(responses={200: OutputSerializer, **NOT_FOUND})
    def get(self, request: Request, email_id: int) -> Response:
        return Response(self.OutputSerializer(_email_or_404(email_id)).data)


def _ids_field(*, required: bool) -> serializers.ListField:
    return serializers.ListField(
        child=serializers.IntegerField(min_value=1, max_value=MAX_ID),
        min_length=1,
        max_length=10_000,
        required=required,
        help_text="Queue these emails.",
    )


def _sendable_status_field(*, required: bool) -> serializers.ChoiceField:
    return serializers.ChoiceField(
        choices=[("READY", "READY"), ("FAILED", "FAILED")],
        required=required,
        help_text="Queue every email in this status.",
    )


class EmailSendApi(APIView):
    """Queue emails for sending: the given ids, or every email in a status."""

    permission_classes = [StaffPermission.requiring("emails.change_email")]

    class InputSerializer(serializers.Serializer[dict[str, Any]]):
        ids = _ids_field(required=False)
        status = _sendable_status_field(required=False)

        def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
            if ("ids" in attrs) == ("status" in attrs):
                raise serializers.ValidationError("Give exactly one of `ids` and `status`.")
            return attrs

    # The two bodies InputSerializer accepts, for the schema: a body is exactly one of them.
    class IdsInputSerializer(serializers.Serializer[dict[str, Any]]):
        ids = _ids_field(required=True)

    class StatusInputSerializer(serializers.Serializer[dict[str, Any]]):
        status = _sendable_status_field(required=True)

    class OutputSerializer(serializers.Serializer[dict[str, Any]]):
        queued = serializers.IntegerField(help_text="How many emails were queued.")
        ids = serializers.ListField(child=serializers.IntegerField())

    @extend_schema(
        request=PolymorphicProxySerializer(
            component_name="EmailSendInput",
            serializers=[IdsInputSerializer, StatusInputSerializer],
            resource_type_field_name=None,
        ),
        responses={202: OutputSerializer},
    )
    @idempotent
    def post(self, request: Request) -> Response:
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data

        if "ids" in data:
            requested = set(data["ids"])
            emails = email_list().filter(id__in=requested)
            missing = requested - set(emails.values_list("id", flat=True))
            if missing:
                raise ApplicationError(
                    "Some emails do not exist.", extra={"fields": {"ids": [f"Unknown ids: {sorted(missing)}"]}}
                )
        else:
            emails = email_list(filters={"status": data["status"]})

        ids = email_send_all(emails=emails)
        return Response(self.OutputSerializer({"queued": len(ids), "ids": ids}).data, status=status.HTTP_202_ACCEPTED)


class EmailRetryApi(APIView):
    permission_classes = [StaffPermission.requiring("emails.change_email")]

    class OutputSerializer(serializers.Serializer[Email]):
        id = serializers.IntegerField()
        status = serializers.ChoiceField(choices=Email.Status.choices)

    @extend_schema(
        request=None,
        responses={202: OutputSerializer, **rule_broken("Only a FAILED email can be retried."), **NOT_FOUND},
    )
    def post(self, request: Request, email_id: int) -> Response:
        email = email_retry(email=_email_or_404(email_id))
        return Response(self.OutputSerializer(email).data, status=status.HTTP_202_ACCEPTED)
