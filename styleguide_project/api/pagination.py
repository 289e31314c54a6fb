from typing import Any

from django.db.models import QuerySet
from drf_spectacular.utils import inline_serializer
from rest_framework import serializers
from rest_framework.pagination import BasePagination
from rest_framework.pagination import LimitOffsetPagination as DrfLimitOffsetPagination
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView


class LimitOffsetPagination(DrfLimitOffsetPagination):
    """DRF's limit and offset, refused with a 400 when out of range.

    DRF reads a `limit` it cannot use (`-1`, `abc`, above `max_limit`) as the
    default or the maximum, and an unusable `offset` as 0: a client would get
    another page than it asked for without knowing. Here both are validated
    like any other input, and their ranges are in the schema.
    """

    default_limit = 50
    max_limit = 200
    # The largest offset the database accepts in a query (a bigint).
    max_offset = 2**63 - 1

    def get_limit(self, request: Request) -> int:
        return _query_int(
            request, self.limit_query_param, minimum=1, maximum=self.max_limit, default=self.default_limit
        )

    def get_offset(self, request: Request) -> int:
        return _query_int(request, self.offset_query_param, minimum=0, maximum=self.max_offset, default=0)

    def get_schema_operation_parameters(self, view: Any) -> list[dict[str, Any]]:
        return [
            {
                "name": self.limit_query_param,
                "required": False,
                "in": "query",
                "description": f"Page size, at most {self.max_limit}; {self.default_limit} when not given.",
                "schema": {"type": "integer", "minimum": 1, "maximum": self.max_limit, "default": self.default_limit},
            },
            {
                "name": self.offset_query_param,
                "required": False,
                "in": "query",
                "description": "How many results to skip.",
                "schema": {"type": "integer", "minimum": 0, "maximum": self.max_offset, "default": 0},
            },
        ]


def _query_int(request: Request, name: str, *, minimum: int, maximum: int, default: int) -> int:
    raw = request.query_params.get(name)
    if raw is None:
        return default
    field = serializers.IntegerField(min_value=minimum, max_value=maximum)
    try:
        value: int = field.run_validation(raw)
    except serializers.ValidationError as exc:
        raise serializers.ValidationError({name: exc.detail}) from None
    return value


def get_paginated_response(
    *,
    pagination_class: type[BasePagination],
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
