import re
from html import unescape
from urllib.parse import unquote

import pytest

from styleguide_project.emails.models import Email
from styleguide_project.users.models import BaseUser
from styleguide_project.users.services import user_email_verification_token_create
from styleguide_project.users.tests.factories import BaseUserFactory

pytestmark = [pytest.mark.django_db, pytest.mark.urls("styleguide_project.core.tests.dev_urls")]
PAGE = "/dev/verify-email/"
LINK = "http://127.0.0.1:8000/dev/verify-email/?token={token}"


@pytest.fixture
def debug(settings):
    settings.DEBUG = True
    settings.EMAIL_VERIFICATION_URL = LINK


def test_a_newcomer_registers_opens_the_inbox_clicks_the_link_and_is_verified(
    client, debug, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        client.post("/api/users/", {"email": "ada@example.com", "password": "a-long-password-1"}, "application/json")
    email = Email.objects.get(to="ada@example.com")
    inbox_page = client.get(f"/dev/inbox/{email.id}/").content.decode()
    [href] = re.findall(r'<a href="(http://127\.0\.0\.1:8000/dev/verify-email/\?token=[^"]+)"', inbox_page)
    url = unescape(href).removeprefix("http://127.0.0.1:8000")

    shown = client.get(url)
    token = re.search(r'name="token" value="([^"]+)"', shown.content.decode())
    assert token is not None
    unchanged = BaseUser.objects.get(email="ada@example.com").email_verified_at
    verified = client.post(PAGE, {"token": unescape(token.group(1))})
    again = client.post(PAGE, {"token": unescape(token.group(1))})

    assert shown.status_code == 200
    assert unescape(token.group(1)) == unquote(url.split("token=", 1)[1])
    assert unchanged is None  # opening the link changes nothing; the button does
    assert verified.status_code == 200
    assert "ada@example.com is verified." in verified.content.decode()
    assert BaseUser.objects.get(email="ada@example.com").email_verified_at is not None
    assert again.status_code == 400
    assert "This email address is already verified." in again.content.decode()


@pytest.mark.parametrize("token", ["", "x" * 40, "not:a:token"])
def test_a_bad_token_is_refused_with_the_apis_message(client, debug, token):
    response = client.post(PAGE, {"token": token})

    assert response.status_code == 400
    assert "This verification link is not valid." in response.content.decode()


def test_a_token_of_a_deleted_user_is_refused(client, debug):
    user = BaseUserFactory.create(email_verified_at=None)
    token = user_email_verification_token_create(user=user)
    user.delete()

    response = client.post(PAGE, {"token": token})

    assert response.status_code == 400


def test_the_page_has_no_inline_script_or_style(client, debug):
    page = client.get(PAGE, {"token": "abc"}).content.decode()

    assert "<script" not in page
    assert "<style" not in page
    assert " style=" not in page


def test_without_debug_the_page_is_a_404_even_where_mounted(client):
    user = BaseUserFactory.create(email_verified_at=None)
    token = user_email_verification_token_create(user=user)

    answers = [client.get(PAGE, {"token": token}).status_code, client.post(PAGE, {"token": token}).status_code]

    assert answers == [404, 404]
    assert BaseUser.objects.get(id=user.id).email_verified_at is None
