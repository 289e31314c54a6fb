from django.http import Http404
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from styleguide_project.api.schemas import NOT_FOUND
from styleguide_project.task_progress.selectors import TaskProgress, task_ownership_get, task_progress_get


@extend_schema_field(
    {
        "description": "The task's return value once it succeeded, else null: any JSON value. A task whose progress "
        "page goes somewhere when it ends returns an object whose `redirect` is that page's path on this site.",
        "nullable": True,
        "anyOf": [
            {
                "type": "object",
                "properties": {"redirect": {"type": "string", "description": "A path on this site, for a browser."}},
                "additionalProperties": {},
            },
            {"type": "array", "items": {}},
            {"type": "string"},
            {"type": "number"},
            {"type": "boolean"},
        ],
    }
)
class TaskResultField(serializers.JSONField):
    pass


class TaskStatusApi(APIView):
    """The state and progress of a task run: only for the user who queued it, or staff (404 for anyone else)."""

    class OutputSerializer(serializers.Serializer[TaskProgress]):
        class ProgressSerializer(serializers.Serializer[TaskProgress]):
            current = serializers.IntegerField(
                allow_null=True, help_text="The count so far; null after an end that recorded none."
            )
            total = serializers.IntegerField(
                allow_null=True, help_text="The count to reach; null until the run reports one."
            )
            percent = serializers.FloatField(min_value=0, max_value=100)
            description = serializers.CharField(allow_blank=True)

        task_id = serializers.CharField()
        task_name = serializers.CharField()
        state = serializers.CharField(
            help_text="PENDING, STARTED, PROGRESS, RETRY, SUCCESS, FAILURE, REVOKED, IGNORED, a task's own state "
            "(still running), or EXPIRED (its record was deleted)."
        )
        complete = serializers.BooleanField(help_text="The run has ended, however it ended.")
        success = serializers.BooleanField(
            allow_null=True, help_text="true: succeeded; false: failed; null: not ended (or ended without outcome)."
        )
        progress = ProgressSerializer(source="*")
        result = TaskResultField(allow_null=True)
        error = serializers.CharField(allow_blank=True, help_text="Why it failed (no traceback), or empty.")

    @extend_schema(responses={200: OutputSerializer, **NOT_FOUND})
    def get(self, request: Request, task_id: str) -> Response:
        ownership = task_ownership_get(task_id=task_id, user=request.user)
        if ownership is None:
            raise Http404
        return Response(self.OutputSerializer(task_progress_get(ownership=ownership)).data)
