import pytest
from django.test import Client


@pytest.mark.parametrize("path", ["/api/emails/not-a-number/", "/api/nothing-here/"])
def test_unknown_api_urls_are_json_404s(client, path):
    response = client.get(path)

    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    assert response.json() == {"message": "Not found.", "extra": {}}


def test_other_unknown_urls_keep_djangos_page(client):
    response = client.get("/no-such-page/")

    assert response.status_code == 404
    assert response["Content-Type"].startswith("text/html")


JSON_ERRORS_MIDDLEWARE = "styleguide_project.core.middleware.ApiErrorsAsJsonMiddleware"


@pytest.fixture
def crashing_client(settings):
    """A client on the project's URLs and error handlers plus `/crash/` and `/api/crash/`, views that raise.

    It answers as a server does (Django's handler500) instead of raising the
    view's exception into the test.
    """
    settings.ROOT_URLCONF = "styleguide_project.core.tests.crash_urls"
    return Client(raise_request_exception=False)


@pytest.mark.parametrize("middleware", ["with", "without"])
def test_a_crash_outside_an_api_view_is_a_json_500_under_api(crashing_client, settings, middleware):
    # The middleware turns any non-JSON error under /api/ into the same shape;
    # without it, the answer is handler500's own.
    if middleware == "without":
        settings.MIDDLEWARE = [name for name in settings.MIDDLEWARE if name != JSON_ERRORS_MIDDLEWARE]

    response = crashing_client.get("/api/crash/")

    assert response.exc_info[0] is RuntimeError
    assert response.status_code == 500
    assert response["Content-Type"] == "application/json"
    assert response.json() == {"message": "Internal server error", "extra": {}}


def test_a_crash_elsewhere_keeps_djangos_500_page(crashing_client):
    response = crashing_client.get("/crash/")

    assert response.exc_info[0] is RuntimeError
    assert response.status_code == 500
    assert response["Content-Type"].startswith("text/html")
    assert b"Server Error (500)" in response.content


@pytest.mark.parametrize("path", ["/api/nope/", "/api/emails/not-a-number/"])
def test_unknown_api_urls_are_json_404s_with_debug_on_too(client, settings, path):
    settings.DEBUG = True

    response = client.get(path)

    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    assert response.json() == {"message": "Not found.", "extra": {}}


def test_with_debug_on_other_unknown_urls_keep_djangos_debug_page(client, settings):
    settings.DEBUG = True

    response = client.get("/no-such-page/")

    assert response.status_code == 404
    assert response["Content-Type"].startswith("text/html")


def test_a_rejected_host_under_api_is_json(client):
    response = client.get("/api/health/", HTTP_HOST="evil.example.com")

    assert response.status_code == 400
    assert response.json() == {"message": "Bad Request.", "extra": {}}
