"""The admin and the browsable API say the project's name, not Django's."""

import pytest

from styleguide_project.users.tests.factories import BaseUserFactory


def test_the_admin_login_page_has_the_projects_name(client):
    page = client.get("/admin/login/").content.decode()

    assert "<title>Log in | styleguide_project admin</title>" in page
    assert "styleguide_project administration" in page
    assert "Django administration" not in page


@pytest.mark.django_db
def test_the_admin_index_has_the_projects_name(client):
    client.force_login(BaseUserFactory.create(is_staff=True, is_superuser=True))

    page = client.get("/admin/").content.decode()

    assert "<title>What staff can manage | styleguide_project admin</title>" in page
    assert "styleguide_project administration" in page


def test_the_browsable_api_has_the_projects_name(client):
    response = client.get("/api/", HTTP_ACCEPT="text/html")

    page = response.content.decode()
    assert response.status_code == 200
    assert "<title>Api Index Api \u2013 styleguide_project API</title>" in page
    assert '<a class="navbar-brand" href="/api/">styleguide_project API</a>' in page
    assert "Django REST framework" not in page
