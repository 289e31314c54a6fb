"""A URLconf for the error views' tests: the project's URLs and error handlers, and a view that crashes."""

from django.http import HttpRequest, HttpResponse
from django.urls import path

from config import urls as project_urls


def crash(request: HttpRequest) -> HttpResponse:
    # A plain Django view: DRF's exception handler never sees its errors.
    raise RuntimeError("a crash outside any API view")


urlpatterns = [path("api/crash/", crash), path("crash/", crash), *project_urls.urlpatterns]
handler404 = project_urls.handler404
handler500 = project_urls.handler500
