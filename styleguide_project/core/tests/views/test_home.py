from django.urls import reverse


def test_the_front_page_says_what_this_is_and_links_the_docs_admin_and_health(client):
    response = client.get("/")

    assert response.status_code == 200
    page = response.content.decode()
    assert "A REST API" in page
    for url in (reverse("api:docs"), reverse("admin:index"), reverse("api:health")):
        assert f'href="{url}"' in page
    assert 'rel="icon" href="/static/favicon.svg"' in page


def test_favicon_ico_leads_to_the_icon(client):
    response = client.get("/favicon.ico")

    assert response.status_code == 301
    assert response["Location"] == "/static/favicon.svg"
