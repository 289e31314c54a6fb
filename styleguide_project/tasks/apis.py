"""`/api/tasks/dead-letters/`: the dead letters of every task, for staff (namespace `api:task_kit`).

The kit imports no app, `api` included: the project's pagination comes from
DRF's settings, and the error bodies from `core`.
"""

import datetime
from typing import Any, cast

from django.http import Http404
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_field, inline_serializer
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.views import APIView

from styleguide_project.core.dates import local_period_bounds
from styleguide_project.core.error_schemas import NOT_FOUND, RuleErrorSerializer
from styleguide_project.core.permissions import StaffPermission
from styleguide_project.tasks.outbox.models import DeadLetter
from styleguide_project.tasks.outbox.selectors import dead_letter_get, dead_letter_list
from styleguide_project.tasks.outbox.services.dead_letters import dead_letter_replay


@extend_schema_field(
    {
        "type": "object",
        "additionalProperties": {},
        "description": "The keyword arguments the task was called with: JSON values by name.",
    }
)
class TaskKwargsField(serializers.JSONField):
    pass


class DeadLetterListApi(APIView):
    permission_classes = [StaffPermission.requiring("tasks.view_deadletter")]
    # DRF's settings hold the class itself once read (their stubs say str).
    pagination_class = cast(Any, api_settings.DEFAULT_PAGINATION_CLASS)

    class FilterSerializer(serializers.Serializer[dict[str, Any]]):
        task_name = serializers.CharField(required=False, max_length=255)
        day = serializers.DateField(required=False, help_text="The day of the final failure, in TIME_ZONE.")

        def validate_day(self, day: datetime.date) -> datetime.date:
            try:
                local_period_bounds(year=day.year, month=day.month, day=day.day)
            except ValueError as exc:
                raise serializers.ValidationError(str(exc)) from exc
            return day

    class OutputSerializer(serializers.Serializer[DeadLetter]):
        id = serializers.IntegerField()
        task_name = serializers.CharField()
        task_registered = serializers.BooleanField(
            help_text="false: no task has this name any more; the letter cannot be replayed."
        )
        task_id = serializers.CharField()
        kwargs = TaskKwargsField()
        exception_type = serializers.CharField()
        exception_message = serializers.CharField()
        traceback = serializers.CharField(help_text="The end of the traceback, where the error was raised.")
        attempts = serializers.IntegerField()
        first_failed_at = serializers.DateTimeField()
        last_failed_at = serializers.DateTimeField()
        replayed_at = serializers.DateTimeField(allow_null=True)
        replayed_as = serializers.CharField(help_text="The task id of the replayed run, or empty.")
        created_at = serializers.DateTimeField()

    @extend_schema(
        parameters=[FilterSerializer],
        responses={
            200: inline_serializer(
                name="DeadLetterListPage",
                fields={
                    "count": serializers.IntegerField(),
                    "next": serializers.URLField(allow_null=True),
                    "previous": serializers.URLField(allow_null=True),
                    "results": OutputSerializer(many=True),
                },
            ),
        },
    )
    def get(self, request: Request) -> Response:
        # A dict, not the QueryDict: DRF reads an empty optional value of form data as not given, and
        # `?status=` would list everything; an empty filter is refused like any other bad value.
        filters = self.FilterSerializer(data=request.query_params.dict())
        filters.is_valid(raise_exception=True)
        paginator = self.pagination_class()
        page = paginator.paginate_queryset(dead_letter_list(filters=filters.validated_data), request, view=self)
        return paginator.get_paginated_response(self.OutputSerializer(cast(Any, page), many=True).data)


class DeadLetterReplayApi(APIView):
    """Run a dead letter's task again with its kwargs, under a new task id."""

    permission_classes = [StaffPermission.requiring("tasks.change_deadletter")]

    class OutputSerializer(serializers.Serializer[DeadLetter]):
        id = serializers.IntegerField()
        task_name = serializers.CharField()
        replayed_at = serializers.DateTimeField()
        replayed_as = serializers.CharField(help_text="The task id of the new run.")

    @extend_schema(
        request=None,
        responses={
            202: OutputSerializer,
            400: OpenApiResponse(
                response=RuleErrorSerializer,
                description="Already replayed, its run was cancelled, or its task is no longer registered.",
            ),
            **NOT_FOUND,
        },
    )
    def post(self, request: Request, dead_letter_id: int) -> Response:
        letter = dead_letter_get(dead_letter_id=dead_letter_id)
        if letter is None:
            raise Http404
        letter = dead_letter_replay(dead_letter=letter)
        return Response(self.OutputSerializer(letter).data, status=status.HTTP_202_ACCEPTED)
