import pytest

pytestmark = pytest.mark.django_db


def test_health_is_public_and_reports_each_part(api_client):
    response = api_client.get("/api/health/")

    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok", "celery": "eager"}


def test_health_is_503_when_the_database_fails(api_client, monkeypatch):
    monkeypatch.setattr("styleguide_project.api.selectors._database_state", lambda: "error")

    response = api_client.get("/api/health/")

    assert response.status_code == 503
    assert response.json()["database"] == "error"
    assert response.json()["status"] == "error"
