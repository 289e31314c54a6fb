"""The page an email-change link opens: GET changes nothing, the button's POST confirms, with CSRF and a throttle."""

import pytest
from django.test import Client

from styleguide_project.users.models import BaseUser
from styleguide_project.users.services import user_email_change_token_create
from styleguide_project.users.tests.factories import BaseUserFactory

pytestmark = pytest.mark.django_db
URL = "/users/email/confirm/"


@pytest.fixture
def token():
    user = BaseUserFactory.create(email="ada@example.com", pending_email="new@example.com")
    return user_email_change_token_create(user=user, new_email="new@example.com")


def test_a_get_shows_the_button_and_changes_nothing(token):
    response = Client().get(URL, {"token": token})

    assert response.status_code == 200
    assert b'id="email-change-confirm"' in response.content
    assert BaseUser.objects.get().email == "ada@example.com"


def test_the_button_confirms(token):
    response = Client().post(URL, {"token": token})

    assert response.status_code == 200
    assert b"new@example.com" in response.content
    assert BaseUser.objects.get().email == "new@example.com"


def test_a_post_without_the_csrf_token_is_refused(token):
    response = Client(enforce_csrf_checks=True).post(URL, {"token": token})

    assert response.status_code == 403
    assert BaseUser.objects.get().email == "ada@example.com"


def test_a_bad_token_says_so(db):
    response = Client().post(URL, {"token": "nope"})

    assert response.status_code == 400
    assert b"This link is not valid." in response.content


def test_is_throttled_like_the_api(token, throttle_rates):
    throttle_rates(email_change_confirm="1/hour")
    browser = Client()
    browser.post(URL, {"token": "nope"})

    response = browser.post(URL, {"token": token})

    assert response.status_code == 429
    assert int(response["Retry-After"]) > 0
    assert BaseUser.objects.get().email == "ada@example.com"


def test_refuses_with_503_when_the_cache_is_down(token, unreachable_cache):
    response = Client().post(URL, {"token": token})

    assert response.status_code == 503
    assert BaseUser.objects.get().email == "ada@example.com"


def test_the_page_has_no_inline_script_or_style(token):
    html = Client().get(URL, {"token": token}).content.decode()

    assert "<script" not in html
    assert "<style" not in html
    assert " style=" not in html
