"""One URL, one API per method: `path("", api_by_method(get=EmailCampaignListApi, post=EmailCampaignLaunchApi))`.

A collection is listed with GET and added to with POST at the same URL, and
each action stays its own `<Entity><Action>Api` with its own serializers,
permissions and operation id. At run time a request goes to the API of its
method. The schema generator (and anything else that introspects a URL's view
class) sees one class with each API's handler, whose permissions, throttles and
authenticators are those of the API of the method being described.
"""

from collections.abc import Callable
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.views.decorators.csrf import csrf_exempt
from rest_framework.views import APIView


def api_by_method(**apis: type[APIView]) -> Callable[..., HttpResponse]:
    unknown = [method for method, api in apis.items() if method not in APIView.http_method_names]
    if not apis or unknown or any(not hasattr(api, method) for method, api in apis.items()):
        raise ValueError(f"Give each method (lower case) the API that implements it, got {apis!r}.")
    by_method = {method.upper(): api for method, api in apis.items()}
    if "GET" in by_method:
        by_method.setdefault("HEAD", by_method["GET"])
    callbacks = {method: api.as_view() for method, api in by_method.items()}
    # Any other method gets the first API's 405 in the error shape; its Allow header names every method here.
    fallback = next(iter(callbacks.values()))
    allowed = ", ".join([*by_method, "OPTIONS"])

    def view(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        callback = callbacks.get(request.method or "", fallback)
        response = callback(request, *args, **kwargs)
        if response.status_code == 405 or request.method == "OPTIONS":
            response["Allow"] = allowed
        return response

    first = next(iter(apis.values()))

    def of_method(view: APIView) -> type[APIView]:
        request = getattr(view, "request", None)
        return by_method.get(getattr(request, "method", "") or "", first)

    # What introspection sees: each API's handler, and the classes of the API whose method is described
    # (the schema class names the operation and describes it after that API: `apis_by_method`).
    attributes: dict[str, Any] = {method: getattr(api, method) for method, api in apis.items()}
    attributes.update(
        __module__=first.__module__,
        apis_by_method=by_method,
        pagination_class=property(lambda self: getattr(of_method(self), "pagination_class", None)),
        get_permissions=lambda self: [permission() for permission in of_method(self).permission_classes],
        get_throttles=lambda self: [throttle() for throttle in of_method(self).throttle_classes],
        get_authenticators=lambda self: [auth() for auth in of_method(self).authentication_classes],
    )
    view_class = type("".join(api.__name__ for api in apis.values()), (APIView,), attributes)
    view.cls = view_class  # type: ignore[attr-defined]
    view.view_class = view_class  # type: ignore[attr-defined]
    view.initkwargs = {}  # type: ignore[attr-defined]
    return csrf_exempt(view)
