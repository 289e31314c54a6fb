"""The admin lives at DJANGO_ADMIN_URL and lets in active staff only."""

import importlib
from collections.abc import Iterator

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.urls import clear_url_caches

import config.urls
from config.settings.security import _admin_url
from styleguide_project.users.tests.factories import BaseUserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_at(settings) -> Iterator[None]:
    """Serve the admin at `staff-1f3c/` for this test, as DJANGO_ADMIN_URL=staff-1f3c would."""
    settings.ADMIN_URL = "staff-1f3c/"
    importlib.reload(config.urls)
    clear_url_caches()
    yield
    settings.ADMIN_URL = "admin/"
    importlib.reload(config.urls)
    clear_url_caches()


def test_the_admin_moves_to_the_configured_path(client, admin_at):
    staff = BaseUserFactory.create(is_staff=True, is_superuser=True)
    client.force_login(staff)

    assert client.get("/staff-1f3c/").status_code == 200
    assert client.get("/admin/").status_code == 404


@pytest.mark.parametrize("who", ["anonymous", "user", "inactive staff"])
def test_only_active_staff_get_in(client, admin_at, who):
    if who != "anonymous":
        person = BaseUserFactory.create(is_staff=who == "inactive staff", is_active=who != "inactive staff")
        client.force_login(person)

    response = client.get("/staff-1f3c/")

    assert response.status_code == 302
    assert response["Location"] == "/staff-1f3c/login/?next=/staff-1f3c/"


@pytest.mark.parametrize(("value", "path"), [("admin/", "admin/"), ("/staff-1f3c", "staff-1f3c/"), ("a/b/", "a/b/")])
def test_the_setting_is_a_relative_path_ending_in_a_slash(value, path):
    assert _admin_url(value) == path


@pytest.mark.parametrize("value", ["", "/", "  "])
def test_an_empty_admin_path_stops_start_up(value):
    with pytest.raises(ImproperlyConfigured, match="DJANGO_ADMIN_URL"):
        _admin_url(value)
