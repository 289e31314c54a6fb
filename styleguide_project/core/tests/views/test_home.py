import pytest
from django.urls import reverse

from styleguide_project.users.tests.factories import BaseUserFactory

STAFF_PAGES = ("admin:index", "admin:tasks_deadletter_changelist", "campaigns:launch")


def test_the_front_page_says_what_this_is_and_links_the_docs_and_health(client):
    response = client.get("/")

    assert response.status_code == 200
    page = response.content.decode()
    assert "A REST API" in page
    for url in (reverse("api:docs"), reverse("api:health")):
        assert f'href="{url}"' in page
    assert 'rel="icon" href="/static/favicon.svg"' in page


@pytest.mark.django_db
def test_staff_see_links_to_their_pages_and_flower_when_configured(client, settings):
    settings.FLOWER_URL = "https://flower.example.com/"
    client.force_login(
        BaseUserFactory.create(is_staff=True, permissions=["tasks.view_deadletter", "campaigns.add_emailcampaign"])
    )

    page = client.get("/").content.decode()

    for name in STAFF_PAGES:
        assert f'href="{reverse(name)}"' in page
    assert 'href="https://flower.example.com/"' in page


@pytest.mark.django_db
def test_staff_see_only_the_pages_their_permissions_open(client):
    client.force_login(BaseUserFactory.create(is_staff=True, permissions=["tasks.view_deadletter"]))

    page = client.get("/").content.decode()

    assert f'href="{reverse("admin:tasks_deadletter_changelist")}"' in page
    assert f'href="{reverse("campaigns:launch")}"' not in page


@pytest.mark.django_db
def test_without_a_flower_url_there_is_no_flower_link(client, settings):
    settings.FLOWER_URL = ""
    client.force_login(BaseUserFactory.create(is_staff=True))

    page = client.get("/").content.decode()

    assert f'href="{reverse("admin:index")}"' in page
    assert "Flower" not in page


@pytest.mark.django_db
@pytest.mark.parametrize("who", ["anonymous", "user", "inactive staff"])
def test_nobody_else_sees_the_staff_pages(client, settings, who):
    settings.FLOWER_URL = "https://flower.example.com/"
    if who != "anonymous":
        client.force_login(BaseUserFactory.create(is_staff=who == "inactive staff", is_active=who == "user"))

    page = client.get("/").content.decode()

    assert [reverse(name) for name in STAFF_PAGES if f'href="{reverse(name)}"' in page] == []
    assert "flower.example.com" not in page
    # Django's session refuses an inactive user: they see the page as a visitor does.
    assert ('href="/accounts/login/?next=/"' in page) == (who != "user")


def test_favicon_ico_leads_to_the_icon(client):
    response = client.get("/favicon.ico")

    assert response.status_code == 301
    assert response["Location"] == "/static/favicon.svg"
