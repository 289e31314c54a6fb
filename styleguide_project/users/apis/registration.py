"""Registration, and the password field every API that sets a password uses."""

from typing import Any

from django.contrib.auth.password_validation import (
    MinimumLengthValidator,
    get_default_password_validators,
    password_validators_help_texts,
    validate_password,
)
from django.core.validators import MinLengthValidator
from django.utils.functional import lazy
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from styleguide_project.api.throttling import AnonRateThrottle, UserRateThrottle
from styleguide_project.users.models import user_normalize_email
from styleguide_project.users.services import (
    user_register,
)
from styleguide_project.users.throttling import UNSOLICITED_EMAIL_THROTTLES


def _password_min_length() -> int:
    lengths = [v.min_length for v in get_default_password_validators() if isinstance(v, MinimumLengthValidator)]
    return max([1, *lengths])


class PasswordRulesValidator(MinLengthValidator):
    """The AUTH_PASSWORD_VALIDATORS that need no user (length, common, numeric), every reason at once.

    A `MinLengthValidator` whose limit is read from the settings, so that the
    schema states the minimum length as `minLength`. The service checks the
    password again with the user (similarity to the email).
    """

    def __init__(self) -> None:
        super().__init__(limit_value=_password_min_length)

    def __call__(self, value: str) -> None:
        validate_password(value)


class NewPasswordField(serializers.CharField):
    """A password being set, checked against AUTH_PASSWORD_VALIDATORS; the schema gives their rules."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(
            max_length=128,
            write_only=True,
            style={"input_type": "password"},
            validators=[PasswordRulesValidator()],
            # Read when the schema is generated: the rules of the validators in force.
            help_text=lazy(lambda: " ".join(str(text) for text in password_validators_help_texts()), str)(),
            **kwargs,
        )


class UserCreateApi(APIView):
    """Register: 202 and the same body whether or not the address already has an account.

    A new address gets its account and a verification link by email; a taken
    one gets, by email, a notice that someone tried to register with it.
    Either way the answer here says only "check your inbox".
    """

    authentication_classes: list[type] = []
    permission_classes = [AllowAny]
    # Every registration emails its address (a link or a notice): the budget counts `email`.
    throttle_classes = [AnonRateThrottle, UserRateThrottle, *UNSOLICITED_EMAIL_THROTTLES]

    class InputSerializer(serializers.Serializer[dict[str, str]]):
        email = serializers.EmailField(max_length=255)
        password = NewPasswordField()

    class OutputSerializer(serializers.Serializer[dict[str, str]]):
        email = serializers.EmailField(help_text="The address as it is stored (normalised).")
        message = serializers.CharField()

    @extend_schema(request=InputSerializer, responses={202: OutputSerializer})
    def post(self, request: Request) -> Response:
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        email = user_normalize_email(serializer.validated_data["email"])
        user_register(email=email, password=serializer.validated_data["password"])
        data = {"email": email, "message": "Check your inbox: we have sent an email to this address."}
        return Response(self.OutputSerializer(data).data, status=status.HTTP_202_ACCEPTED)
