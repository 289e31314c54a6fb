from typing import Any

from django.db.models import QuerySet
from drf_spectacular.utils import inline_serializer
from rest_framework import serializers
from rest_framework.pagination import LimitOffsetPagination as DrfLimitOffsetPagination
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView


class LimitOffsetPagination(DrfLimitOffsetPagination):
    default_limit = 50
    max_limit = 200


def get_paginated_response(
    *,
    pagination_class: type[DrfLimitOffsetPagination],
    serializer_class: type[serializers.Serializer[Any]],
    queryset: QuerySet[Any],
    request: Request,
    view: APIView,
) -> Response:
    """`{count, next, previous, results}` for one page of `queryset`."""
    paginator = pagination_class()
    page = paginator.paginate_queryset(queryset, request, view=view)
    serializer = serializer_class(page, many=True)
    return paginator.get_paginated_response(serializer.data)


def paginated_schema(*, name: str, serializer_class: type[serializers.Serializer[Any]]) -> serializers.Serializer[Any]:
    """The OpenAPI shape of `get_paginated_response`'s body, for `extend_schema(responses=...)`."""
    return inline_serializer(
        name=name,
        fields={
            "count": serializers.IntegerField(),
            "next": serializers.URLField(allow_null=True),
            "previous": serializers.URLField(allow_null=True),
            "results": serializer_class(many=True),
        },
    )
