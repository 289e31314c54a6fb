from typing import Any

from django.http import Http404
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.permissions import IsAdminUser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from styleguide_project.api.pagination import LimitOffsetPagination, get_paginated_response, paginated_schema
from styleguide_project.api.schemas import BAD_REQUEST, ERROR_RESPONSES, NOT_FOUND
from styleguide_project.core.exceptions import ApplicationError
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
    permission_classes = [IsAdminUser]

    class Pagination(LimitOffsetPagination):
        pass

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
        operation_id="emails_list",
        parameters=[
            FilterSerializer,
            OpenApiParameter("limit", int, description="Page size (at most 200)."),
            OpenApiParameter("offset", int),
        ],
        responses={200: paginated_schema(name="EmailListPage", serializer_class=OutputSerializer), **ERROR_RESPONSES},
    )
    def get(self, request: Request) -> Response:
        filters = self.FilterSerializer(data=request.query_params)
        filters.is_valid(raise_exception=True)
        return get_paginated_response(
            pagination_class=self.Pagination,
            serializer_class=self.OutputSerializer,
            # The list shows no body; bodies can be large.
            queryset=email_list(filters=filters.validated_data).defer("html", "plain_text"),
            request=request,
            view=self,
        )


class EmailDetailApi(APIView):
    permission_classes = [IsAdminUser]

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

    @extend_schema(responses={200: OutputSerializer, **ERROR_RESPONSES, **NOT_FOUND})
    def get(self, request: Request, email_id: int) -> Response:
        return Response(self.OutputSerializer(_email_or_404(email_id)).data)


class EmailSendApi(APIView):
    """Queue emails for sending: the given ids, or every email in a status."""

    permission_classes = [IsAdminUser]

    class InputSerializer(serializers.Serializer[dict[str, Any]]):
        ids = serializers.ListField(
            child=serializers.IntegerField(min_value=1, max_value=MAX_ID),
            min_length=1,
            max_length=10_000,
            required=False,
        )
        status = serializers.ChoiceField(choices=[("READY", "READY"), ("FAILED", "FAILED")], required=False)

        def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
            if ("ids" in attrs) == ("status" in attrs):
                raise serializers.ValidationError("Give exactly one of `ids` and `status`.")
            return attrs

    class OutputSerializer(serializers.Serializer[dict[str, Any]]):
        queued = serializers.IntegerField(help_text="How many emails were queued.")
        ids = serializers.ListField(child=serializers.IntegerField())

    @extend_schema(request=InputSerializer, responses={202: OutputSerializer, **ERROR_RESPONSES})
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
    permission_classes = [IsAdminUser]

    class OutputSerializer(serializers.Serializer[Email]):
        id = serializers.IntegerField()
        status = serializers.ChoiceField(choices=Email.Status.choices)

    @extend_schema(request=None, responses={202: OutputSerializer, **BAD_REQUEST, **ERROR_RESPONSES, **NOT_FOUND})
    def post(self, request: Request, email_id: int) -> Response:
        email = email_retry(email=_email_or_404(email_id))
        return Response(self.OutputSerializer(email).data, status=status.HTTP_202_ACCEPTED)
