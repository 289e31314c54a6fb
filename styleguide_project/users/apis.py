from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from styleguide_project.api.schemas import BAD_REQUEST
from styleguide_project.users.models import BaseUser, user_normalize_email
from styleguide_project.users.services import user_complete_onboarding, user_register


class UserCreateApi(APIView):
    """Register: 202 and the same body whether or not the address already has an account.

    A new address gets its account and a verification link by email; a taken
    one gets, by email, a notice that someone tried to register with it.
    Either way the answer here says only "check your inbox".
    """

    authentication_classes: list[type] = []
    permission_classes = [AllowAny]

    class InputSerializer(serializers.Serializer[dict[str, str]]):
        email = serializers.EmailField(max_length=255)
        password = serializers.CharField(max_length=128, write_only=True, style={"input_type": "password"})

    class OutputSerializer(serializers.Serializer[dict[str, str]]):
        email = serializers.EmailField(help_text="The address as it is stored (normalised).")
        message = serializers.CharField()

    @extend_schema(request=InputSerializer, responses={202: OutputSerializer, **BAD_REQUEST})
    def post(self, request: Request) -> Response:
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        email = user_normalize_email(serializer.validated_data["email"])
        user_register(email=email, password=serializer.validated_data["password"])
        data = {"email": email, "message": "Check your inbox: we have sent an email to this address."}
        return Response(self.OutputSerializer(data).data, status=status.HTTP_202_ACCEPTED)


class UserMeApi(APIView):
    class OutputSerializer(serializers.Serializer[BaseUser]):
        id = serializers.IntegerField()
        email = serializers.EmailField()
        onboarded_at = serializers.DateTimeField(allow_null=True)

    # 401 and 429 come from AutoSchema, which reads the view's access classes.
    @extend_schema(responses={200: OutputSerializer})
    def get(self, request: Request) -> Response:
        assert isinstance(request.user, BaseUser)  # noqa: S101 - IsAuthenticated ran first
        return Response(self.OutputSerializer(request.user).data)


class UserOnboardingCompleteApi(APIView):
    class OutputSerializer(serializers.Serializer[BaseUser]):
        id = serializers.IntegerField()
        email = serializers.EmailField()
        onboarded_at = serializers.DateTimeField(allow_null=True)

    @extend_schema(request=None, responses={200: OutputSerializer, **BAD_REQUEST})
    def post(self, request: Request) -> Response:
        assert isinstance(request.user, BaseUser)  # noqa: S101 - IsAuthenticated ran first
        user = user_complete_onboarding(user=request.user)
        return Response(self.OutputSerializer(user).data)
