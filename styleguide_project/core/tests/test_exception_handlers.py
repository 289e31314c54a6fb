import logging

import pytest
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from rest_framework import serializers
from rest_framework.permissions import AllowAny, IsAdminUser
from rest_framework.response import Response
from rest_framework.test import APIRequestFactory, force_authenticate
from rest_framework.views import APIView

from styleguide_project.core.exceptions import ApplicationError
from styleguide_project.users.tests.factories import BaseUserFactory

factory = APIRequestFactory()


class RaisingApi(APIView):
    """Raises whatever the test puts in `exc`."""

    authentication_classes: list[type] = []
    permission_classes = [AllowAny]
    exc: Exception | None = None

    def get(self, request):
        assert self.exc is not None
        raise self.exc


class InputApi(APIView):
    authentication_classes: list[type] = []
    permission_classes = [AllowAny]

    class InputSerializer(serializers.Serializer):
        email = serializers.EmailField()
        count = serializers.IntegerField(min_value=1)

    def post(self, request):
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        return Response(serializer.validated_data)


class StaffOnlyApi(APIView):
    permission_classes = [IsAdminUser]

    def get(self, request):
        return Response({"ok": True})


def call(exc: Exception):
    return RaisingApi.as_view(exc=exc)(factory.get("/"))


def test_serializer_validation_error_lists_field_errors():
    response = InputApi.as_view()(factory.post("/", {"email": "nope", "count": 0}, format="json"))

    assert response.status_code == 400
    assert response.data["message"] == "Validation error"
    assert set(response.data["extra"]["fields"]) == {"email", "count"}
    assert set(response.data) == {"message", "extra"}


def test_malformed_json_is_a_400_in_the_shape():
    request = factory.post("/", "{not json", content_type="application/json")

    response = InputApi.as_view()(request)

    assert response.status_code == 400
    assert response.data["message"].startswith("JSON parse error")
    assert response.data["extra"] == {}


def test_django_validation_error_maps_to_400_with_fields():
    response = call(DjangoValidationError({"email": ["Bad email."]}))

    assert response.status_code == 400
    assert response.data == {"message": "Validation error", "extra": {"fields": {"email": ["Bad email."]}}}


def test_bare_django_validation_error_is_a_non_field_error():
    response = call(DjangoValidationError("Something is off."))

    assert response.status_code == 400
    assert response.data["extra"]["fields"] == {"non_field_errors": ["Something is off."]}


def test_application_error_is_a_400_with_its_extra():
    response = call(ApplicationError("Cannot do that.", extra={"reason": "because"}))

    assert response.status_code == 400
    assert response.data == {"message": "Cannot do that.", "extra": {"reason": "because"}}


def test_http404_maps_to_404():
    response = call(Http404("no such thing"))

    assert response.status_code == 404
    assert response.data == {"message": "Not found.", "extra": {}}


def test_django_permission_denied_maps_to_403():
    response = call(DjangoPermissionDenied())

    assert response.status_code == 403
    assert response.data["message"] == "You do not have permission to perform this action."
    assert response.data["extra"] == {}


@pytest.mark.django_db
def test_permission_class_refusal_is_a_403_in_the_shape():
    request = factory.get("/")
    force_authenticate(request, user=BaseUserFactory.create())

    response = StaffOnlyApi.as_view()(request)

    assert response.status_code == 403
    assert set(response.data) == {"message", "extra"}


def test_anonymous_on_authenticated_endpoint_is_a_401_with_challenge():
    response = StaffOnlyApi.as_view()(factory.get("/"))

    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Token"
    assert response.data["message"] == "Authentication credentials were not provided."


def test_unexpected_error_is_a_logged_500_without_traceback(settings, caplog):
    settings.DEBUG = False

    with caplog.at_level(logging.ERROR, logger="styleguide_project.core.exception_handlers"):
        response = call(ZeroDivisionError("secret detail"))

    assert response.status_code == 500
    assert response.data == {"message": "Internal server error", "extra": {}}
    [record] = caplog.records
    assert record.exc_info is not None
    assert record.exc_info[0] is ZeroDivisionError


def test_unexpected_error_shows_the_exception_when_debugging(settings):
    settings.DEBUG = True

    response = call(ZeroDivisionError("secret detail"))

    assert response.status_code == 500
    assert response.data["extra"]["exception"] == "ZeroDivisionError('secret detail')"
    assert any("ZeroDivisionError" in line for line in response.data["extra"]["traceback"])


class NestedInputApi(APIView):
    authentication_classes: list[type] = []
    permission_classes = [AllowAny]

    class InputSerializer(serializers.Serializer):
        class ItemSerializer(serializers.Serializer):
            name = serializers.CharField()

        ids = serializers.ListField(child=serializers.IntegerField(min_value=1))
        items = ItemSerializer(many=True)
        owner = ItemSerializer()

    def post(self, request):
        self.InputSerializer(data=request.data).is_valid(raise_exception=True)
        return Response({})


def test_nested_field_errors_are_named_by_their_path():
    body = {"ids": [1, 0, "x"], "items": [{"name": "ok"}, {}], "owner": {"name": ""}}

    response = NestedInputApi.as_view()(factory.post("/", body, format="json"))

    # One flat map of field to messages, whatever the nesting: what the schema's ValidationError says.
    assert response.status_code == 400
    assert response.data["extra"] == {
        "fields": {
            "ids.1": ["Ensure this value is greater than or equal to 1."],
            "ids.2": ["A valid integer is required."],
            "items.1.name": ["This field is required."],
            "owner.name": ["This field may not be blank."],
        }
    }
