from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from styleguide_project.api.selectors import health_check


class HealthApi(APIView):
    authentication_classes: list[type] = []
    permission_classes = [AllowAny]
    # Load balancers and the compose health check probe it every few seconds
    # from one address; throttling it would report a healthy site as down.
    throttle_classes: list[type] = []

    class OutputSerializer(serializers.Serializer[dict[str, str]]):
        status = serializers.CharField()
        database = serializers.CharField()
        celery = serializers.CharField()

    @extend_schema(responses={200: OutputSerializer, 503: OutputSerializer})
    def get(self, request: Request) -> Response:
        health = health_check()
        code = status.HTTP_200_OK if health["status"] == "ok" else status.HTTP_503_SERVICE_UNAVAILABLE
        return Response(self.OutputSerializer(health).data, status=code)
