"""CORS: only the configured origins may call /api/ from a browser; the admin never answers cross-origin."""

import pytest
from django.conf import settings as django_settings

pytestmark = pytest.mark.django_db
ALLOWED = "https://app.example.com"
REFUSED = "https://evil.example.net"


@pytest.fixture(autouse=True)
def _allowed_origins(settings):
    settings.CORS_ALLOWED_ORIGINS = [ALLOWED]


def preflight(client, path, origin):
    return client.options(
        path,
        HTTP_ORIGIN=origin,
        HTTP_ACCESS_CONTROL_REQUEST_METHOD="POST",
        HTTP_ACCESS_CONTROL_REQUEST_HEADERS="authorization, content-type",
    )


def test_preflight_from_an_allowed_origin_is_answered(api_client):
    response = preflight(api_client, "/api/auth/login/", ALLOWED)

    assert response.status_code == 200
    assert response["Access-Control-Allow-Origin"] == ALLOWED
    assert "POST" in response["Access-Control-Allow-Methods"]
    assert {"authorization", "content-type"} <= set(response["Access-Control-Allow-Headers"].split(", "))
    # Token auth in a header, never cookies: no credentials cross-origin.
    assert "Access-Control-Allow-Credentials" not in response


def test_a_browser_may_send_an_idempotency_key(api_client):
    response = api_client.options(
        "/api/emails/campaigns/",
        HTTP_ORIGIN=ALLOWED,
        HTTP_ACCESS_CONTROL_REQUEST_METHOD="POST",
        HTTP_ACCESS_CONTROL_REQUEST_HEADERS="authorization, content-type, idempotency-key",
    )

    assert response["Access-Control-Allow-Origin"] == ALLOWED
    assert "idempotency-key" in response["Access-Control-Allow-Headers"].split(", ")


def test_preflight_from_another_origin_gets_no_permission(api_client):
    response = preflight(api_client, "/api/auth/login/", REFUSED)

    assert "Access-Control-Allow-Origin" not in response
    assert "Access-Control-Allow-Methods" not in response


def test_a_simple_request_from_an_allowed_origin_may_be_read(api_client):
    response = api_client.get("/api/health/", HTTP_ORIGIN=ALLOWED)

    assert response.status_code == 200
    assert response["Access-Control-Allow-Origin"] == ALLOWED
    assert response["Access-Control-Expose-Headers"] == "Retry-After, Idempotent-Replayed"


def test_a_simple_request_from_another_origin_may_not_be_read(api_client):
    response = api_client.get("/api/health/", HTTP_ORIGIN=REFUSED)

    assert "Access-Control-Allow-Origin" not in response


def test_a_throttled_answer_can_be_read_with_its_retry_after(api_client, throttle_rates):
    throttle_rates(anon="1/minute")
    api_client.post("/api/users/", {}, format="json", HTTP_ORIGIN=ALLOWED)

    response = api_client.post("/api/users/", {}, format="json", HTTP_ORIGIN=ALLOWED)

    assert response.status_code == 429
    assert response["Access-Control-Allow-Origin"] == ALLOWED
    assert response["Access-Control-Expose-Headers"] == "Retry-After, Idempotent-Replayed"


def test_the_admin_never_answers_cross_origin(client):
    preflight_response = preflight(client, f"/{django_settings.ADMIN_URL}login/", ALLOWED)
    page = client.get(f"/{django_settings.ADMIN_URL}login/", HTTP_ORIGIN=ALLOWED)

    assert "Access-Control-Allow-Origin" not in preflight_response
    assert "Access-Control-Allow-Origin" not in page


def test_cors_runs_before_anything_that_can_answer_on_its_own():
    middleware = django_settings.MIDDLEWARE

    assert middleware.index("corsheaders.middleware.CorsMiddleware") < middleware.index(
        "django.middleware.common.CommonMiddleware"
    )
