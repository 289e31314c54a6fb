import pytest
from django.test import RequestFactory

from styleguide_project.core import error_views


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


def test_a_crash_outside_an_api_view_is_a_json_500_under_api():
    response = error_views.server_error(RequestFactory().get("/api/health/"))

    assert response.status_code == 500
    assert response["Content-Type"] == "application/json"


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
