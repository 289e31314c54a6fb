import pytest
from django.core.management import call_command

pytestmark = pytest.mark.django_db


def test_schema_validates_without_warnings(tmp_path):
    # --validate checks the schema against the OpenAPI specification.
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(tmp_path / "schema.yml"))

    text = (tmp_path / "schema.yml").read_text()
    for path in [
        "/api/users/:",
        "/api/users/me/:",
        "/api/users/me/onboarding/complete/:",
        "/api/auth/login/:",
        "/api/auth/logout/:",
        "/api/emails/:",
        "/api/emails/{email_id}/:",
        "/api/emails/send/:",
        "/api/emails/{email_id}/retry/:",
        "/api/emails/campaigns/:",
        "/api/tasks/{task_id}/:",
    ]:
        assert path in text


def test_schema_and_docs_are_served(api_client):
    schema = api_client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    docs = api_client.get("/api/docs/")

    assert schema.status_code == 200
    components = schema.json()["components"]["schemas"]
    assert "UserCreateInputRequest" in components
    # A serializer nested in an API's serializer is named after both.
    assert components["TaskStatusOutput"]["properties"]["progress"] == {
        "$ref": "#/components/schemas/TaskStatusOutputProgress"
    }
    assert docs.status_code == 200
    # Swagger UI comes from our own static files, not a CDN.
    assert "drf_spectacular_sidecar" in docs.content.decode()
