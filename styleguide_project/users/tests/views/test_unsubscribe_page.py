"""The unsubscribe link of a campaign email: GET changes nothing; a POST without cookies or CSRF token
unsubscribes (RFC 8058 one-click), as form or multipart, idempotently; a tampered link is a 404, never a 500."""

import pytest
from django.test import Client
from django.test.client import encode_multipart

from styleguide_project.users.models import BaseUser
from styleguide_project.users.tests.factories import BaseUserFactory
from styleguide_project.users.tokens import unsubscribe_token_make

pytestmark = pytest.mark.django_db
ONE_CLICK = "List-Unsubscribe=One-Click"


@pytest.fixture
def ada():
    return BaseUserFactory.create(email="ada@example.com")


def url(token: str) -> str:
    return f"/users/unsubscribe/{token}/"


def receives(user) -> bool:
    return BaseUser.objects.get(id=user.id).receives_campaigns


def test_a_get_shows_the_button_and_changes_nothing(ada):
    response = Client().get(url(unsubscribe_token_make(user=ada)))

    assert response.status_code == 200
    assert b'id="unsubscribe"' in response.content
    assert b'method="post"' in response.content
    assert receives(ada)


def test_a_one_click_post_without_cookies_or_csrf_token_unsubscribes(ada):
    # What a mail provider sends: the RFC 8058 body as a form, no cookie, no CSRF token.
    client = Client(enforce_csrf_checks=True)

    response = client.post(
        url(unsubscribe_token_make(user=ada)), ONE_CLICK, content_type="application/x-www-form-urlencoded"
    )

    assert response.status_code == 200
    assert b'id="unsubscribe-done"' in response.content
    assert not receives(ada)
    # The answer sets no cookie: nothing of a session or a CSRF token is made for the provider.
    assert not response.cookies


def test_a_multipart_one_click_post_unsubscribes(ada):
    body = encode_multipart("BoUnDaRy", {"List-Unsubscribe": "One-Click"})

    response = Client(enforce_csrf_checks=True).post(
        url(unsubscribe_token_make(user=ada)), body, content_type="multipart/form-data; boundary=BoUnDaRy"
    )

    assert response.status_code == 200
    assert not receives(ada)


def test_a_second_post_answers_the_same(ada):
    client = Client(enforce_csrf_checks=True)
    link = url(unsubscribe_token_make(user=ada))

    first = client.post(link, {"List-Unsubscribe": "One-Click"})
    second = client.post(link, {"List-Unsubscribe": "One-Click"})

    assert first.status_code == second.status_code == 200
    assert not receives(ada)


def test_the_buttons_form_posts_to_the_link_itself_under_the_sites_policy(ada):
    link = url(unsubscribe_token_make(user=ada))

    response = Client().get(link)
    page = response.content.decode()

    assert f'action="{link}"' in page
    assert 'name="List-Unsubscribe" value="One-Click"' in page
    # No inline script or style: the Content-Security-Policy the page comes with blocks none of it.
    assert "form-action 'self'" in response["Content-Security-Policy"]
    assert "<script" not in page
    assert "<style" not in page
    assert " style=" not in page


@pytest.mark.parametrize("method", ["get", "post"])
def test_a_tampered_link_is_a_404_page(ada, method):
    token = unsubscribe_token_make(user=ada)
    tampered = token[:-2] + ("xx" if not token.endswith("xx") else "yy")

    response = getattr(Client(raise_request_exception=False), method)(url(tampered))

    assert response.status_code == 404
    assert b"This unsubscribe link is not valid" in response.content
    assert receives(ada)


def test_a_link_of_a_deleted_account_answers_as_done(ada):
    token = unsubscribe_token_make(user=ada)
    ada.delete()

    response = Client().post(url(token), {"List-Unsubscribe": "One-Click"})

    assert response.status_code == 200


def test_invalid_links_are_throttled_per_client_address_and_valid_ones_are_not(ada, throttle_rates):
    throttle_rates(unsubscribe_invalid="2/hour")
    client = Client()
    token = unsubscribe_token_make(user=ada)

    probes = [client.post(url(f"{n}:forged")).status_code for n in range(3)]
    valid = [client.post(url(token)).status_code for _ in range(3)]

    assert probes == [404, 404, 429]
    assert valid == [200, 200, 200]
    refused = client.get(url("1:forged"))
    assert refused.status_code == 429
    assert int(refused["Retry-After"]) > 0
    assert not receives(ada)
