from django.contrib.auth import logout
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from styleguide_project.api.schemas import BAD_REQUEST, UNAUTHENTICATED
from styleguide_project.authentication.services import auth_token_obtain, auth_token_revoke
from styleguide_project.users.models import BaseUser


class AuthLoginApi(APIView):
    authentication_classes: list[type] = []
    permission_classes = [AllowAny]

    class InputSerializer(serializers.Serializer[dict[str, str]]):
        email = serializers.EmailField()
        password = serializers.CharField(max_length=128, style={"input_type": "password"})

    class OutputSerializer(serializers.Serializer[dict[str, str]]):
        token = serializers.CharField()

    @extend_schema(request=InputSerializer, responses={200: OutputSerializer, **BAD_REQUEST})
    def post(self, request: Request) -> Response:
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        token = auth_token_obtain(request=request._request, **serializer.validated_data)
        return Response(self.OutputSerializer({"token": token.key}).data)


class AuthLogoutApi(APIView):
    @extend_schema(request=None, responses={204: None, **UNAUTHENTICATED})
    def post(self, request: Request) -> Response:
        assert isinstance(request.user, BaseUser)  # noqa: S101 - IsAuthenticated ran first
        auth_token_revoke(user=request.user)
        logout(request._request)
        return Response(status=status.HTTP_204_NO_CONTENT)
