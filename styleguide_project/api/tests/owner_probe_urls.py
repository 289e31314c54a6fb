"""A URLconf for the permission table's own tests: one view that only its owner can read, one that leaks."""

from django.http import Http404
from django.urls import path
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView


class OwnedProbeApi(APIView):
    def get(self, request: Request, user_id: int) -> Response:
        if request.user.pk != user_id:
            raise Http404
        return Response({"user_id": user_id})


class LeakyProbeApi(APIView):
    def get(self, request: Request, user_id: int) -> Response:
        return Response({"user_id": user_id})


urlpatterns = [
    path("owned/<int:user_id>/", OwnedProbeApi.as_view()),
    path("leaky/<int:user_id>/", LeakyProbeApi.as_view()),
]
