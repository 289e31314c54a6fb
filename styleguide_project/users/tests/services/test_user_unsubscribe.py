"""The unsubscribe link of campaign emails: its token, its headers, and unsubscribing by it."""

import pytest

from styleguide_project.core.exceptions import ApplicationError
from styleguide_project.users.models import BaseUser
from styleguide_project.users.services import (
    user_get_by_unsubscribe_token,
    user_unsubscribe,
    user_unsubscribe_headers,
    user_unsubscribe_link,
)
from styleguide_project.users.tests.factories import BaseUserFactory
from styleguide_project.users.tokens import unsubscribe_token_make, unsubscribe_token_user_id

pytestmark = pytest.mark.django_db


@pytest.fixture
def ada():
    return BaseUserFactory.create(email="ada@example.com")


def test_the_token_names_the_user_and_survives_an_address_change(ada):
    token = unsubscribe_token_make(user=ada)
    ada.email = "ada@new.example"
    ada.save()

    assert unsubscribe_token_user_id(token) == ada.id
    assert user_get_by_unsubscribe_token(token=token) == ada


@pytest.mark.parametrize(
    "tamper",
    [
        lambda token: token[:-1] + ("A" if token[-1] != "A" else "B"),  # another signature
        lambda token: "9" + token,  # another user, the same signature
        lambda token: token.split(":")[0],  # no signature
        lambda token: "",
        lambda token: "x:" + token.split(":")[1],
    ],
)
def test_a_tampered_token_is_refused(ada, tamper):
    token = tamper(unsubscribe_token_make(user=ada))

    assert unsubscribe_token_user_id(token) is None
    with pytest.raises(ApplicationError, match="not valid"):
        user_unsubscribe(token=token)
    assert BaseUser.objects.get(id=ada.id).receives_campaigns is True


def test_a_token_signed_for_something_else_is_refused(ada):
    from django.core import signing

    # The same value under SECRET_KEY with another salt (the default one).
    assert unsubscribe_token_user_id(signing.Signer().sign(str(ada.id))) is None


def test_unsubscribing_twice_is_harmless(ada):
    token = unsubscribe_token_make(user=ada)

    first = user_unsubscribe(token=token)
    updated_at = BaseUser.objects.get(id=ada.id).updated_at
    second = user_unsubscribe(token=token)

    assert first is not None
    assert second is not None
    assert first.receives_campaigns is second.receives_campaigns is False
    assert BaseUser.objects.get(id=ada.id).updated_at == updated_at


def test_the_token_of_a_deleted_account_unsubscribes_nobody(ada):
    token = unsubscribe_token_make(user=ada)
    ada.delete()

    assert user_unsubscribe(token=token) is None


def test_the_link_and_the_headers_come_from_site_url(settings, ada):
    settings.SITE_URL = "https://api.example.com"
    settings.EMAIL_UNSUBSCRIBE_MAILTO = ""

    link = user_unsubscribe_link(user=ada)
    headers = user_unsubscribe_headers(user=ada)

    assert link == f"https://api.example.com/users/unsubscribe/{unsubscribe_token_make(user=ada)}/"
    assert headers == {"List-Unsubscribe": f"<{link}>", "List-Unsubscribe-Post": "List-Unsubscribe=One-Click"}


def test_the_mailto_address_joins_the_link(settings, ada):
    settings.SITE_URL = "https://api.example.com"
    settings.EMAIL_UNSUBSCRIBE_MAILTO = "unsubscribe@example.com"

    headers = user_unsubscribe_headers(user=ada)

    assert headers["List-Unsubscribe"] == (
        f"<{user_unsubscribe_link(user=ada)}>, <mailto:unsubscribe@example.com?subject=unsubscribe>"
    )
    assert headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"


def test_without_site_url_there_is_no_link_and_no_one_click(settings, ada):
    settings.SITE_URL = ""
    settings.EMAIL_UNSUBSCRIBE_MAILTO = "unsubscribe@example.com"

    assert user_unsubscribe_link(user=ada) == ""
    assert user_unsubscribe_headers(user=ada) == {
        "List-Unsubscribe": "<mailto:unsubscribe@example.com?subject=unsubscribe>"
    }
    settings.EMAIL_UNSUBSCRIBE_MAILTO = ""
    assert user_unsubscribe_headers(user=ada) == {}
