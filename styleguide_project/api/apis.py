from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.reverse import reverse
from rest_framework.views import APIView

from styleguide_project.api.selectors import health_report


class HealthLiveApi(APIView):
    """Liveness: this web process answers. No database, broker or network call.

    For load balancers and container health checks, probed often: it costs
    what any trivial request costs. The full report is `/api/health/`.
    """

    authentication_classes: list[type] = []
    permission_classes = [AllowAny]
    throttle_classes: list[type] = []

    class OutputSerializer(serializers.Serializer[dict[str, str]]):
        status = serializers.CharField(help_text="Always ok: an answer at all is the signal.")

    @extend_schema(responses={200: OutputSerializer})
    def get(self, request: Request) -> Response:
        return Response(self.OutputSerializer({"status": "ok"}).data)


class ApiIndexApi(APIView):
    """What the API offers: links to its OpenAPI schema, its documentation and the health report."""

    authentication_classes: list[type] = []
    permission_classes = [AllowAny]

    class OutputSerializer(serializers.Serializer[dict[str, str]]):
        schema = serializers.URLField(help_text="The OpenAPI schema of every endpoint.")
        docs = serializers.URLField(help_text="The schema as Swagger UI, to read and try in a browser.")
        health = serializers.URLField(help_text="The state of the database, the broker, the workers and beat.")

    @extend_schema(responses=OutputSerializer)
    def get(self, request: Request) -> Response:
        links = {name: reverse(f"api:{name}", request=request) for name in ("schema", "docs", "health")}
        return Response(self.OutputSerializer(links).data)


class HealthReportApi(APIView):
    """The state of the database, the broker, the workers, beat and the periodic tasks' schedules; a 503 names
    the failing parts.

    Public, for monitoring: it tells which part fails, not why (the cause is
    logged). The report is at most HEALTH_CACHE_SECONDS old, so polling it
    often costs the site almost nothing.
    """

    authentication_classes: list[type] = []
    permission_classes = [AllowAny]
    # Load balancers and the compose health check probe it every few seconds
    # from one address; throttling it would report a healthy site as down.
    throttle_classes: list[type] = []

    class OutputSerializer(serializers.Serializer[dict[str, object]]):
        class PartSerializer(serializers.Serializer[dict[str, object]]):
            status = serializers.CharField(help_text="ok or error; the broker is eager when tasks run in-process.")

        class WorkersSerializer(serializers.Serializer[dict[str, object]]):
            status = serializers.CharField(help_text="ok, missing (no worker answered the ping), error or eager.")
            count = serializers.IntegerField(allow_null=True, help_text="How many workers answered the ping.")

        class BeatSerializer(serializers.Serializer[dict[str, object]]):
            status = serializers.CharField(
                help_text="ok, stale (last tick older than HEALTH_BEAT_STALE_SECONDS), missing, error or eager."
            )
            last_tick_seconds_ago = serializers.FloatField(allow_null=True)

        class SchedulesSerializer(serializers.Serializer[dict[str, object]]):
            status = serializers.CharField(help_text="ok, late (some periodic task is overdue), error or eager.")
            late = serializers.ListField(
                child=serializers.CharField(),
                help_text="The managed periodic tasks overdue by more than their grace, by name.",
            )

        status = serializers.CharField(help_text="ok when every part is ok or eager, error otherwise.")
        failing = serializers.ListField(child=serializers.CharField(), help_text="The parts that are not good.")
        database = PartSerializer()
        broker = PartSerializer()
        workers = WorkersSerializer()
        beat = BeatSerializer()
        schedules = SchedulesSerializer()

    @extend_schema(
        responses={
            200: OutputSerializer,
            503: OpenApiResponse(response=OutputSerializer, description="Some part is failing: see `failing`."),
        }
    )
    def get(self, request: Request) -> Response:
        health = health_report()
        code = status.HTTP_200_OK if health["status"] == "ok" else status.HTTP_503_SERVICE_UNAVAILABLE
        return Response(self.OutputSerializer(health).data, status=code)
