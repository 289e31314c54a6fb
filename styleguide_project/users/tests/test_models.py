import unicodedata

import pytest
from knox.models import AuthToken

from styleguide_project.users.models import user_normalize_email
from styleguide_project.users.tests.factories import TEST_PASSWORD, BaseUserFactory


@pytest.mark.parametrize(
    ("spelling", "stored"),
    [
        ("  Ada@Example.COM ", "ada@example.com"),
        ("ada@\uff25\uff38\uff21\uff2d\uff30\uff2c\uff25.com", "ada@example.com"),
        ("\u017fam@example.com", "sam@example.com"),
        ("\u212aim@example.com", "kim@example.com"),
        ("STRASSE@example.com", "strasse@example.com"),
        ("stra\u00dfe@example.com", "strasse@example.com"),
    ],
)
def test_spellings_of_one_address_are_stored_alike(spelling, stored):
    assert user_normalize_email(spelling) == stored


@pytest.mark.parametrize("email", ["\u01f0@example.com", "\u0390@example.com", "Ada@\uff25xample.com", "\u1e9e@x.org"])
def test_the_stored_form_is_nfkc_and_a_fixed_point(email):
    # U+01F0 case-folds to a letter and a combining caron, which NFKC composes
    # again: without the last NFKC, normalising twice would not agree with once.
    stored = user_normalize_email(email)

    assert unicodedata.is_normalized("NFKC", stored)
    assert user_normalize_email(stored) == stored


@pytest.mark.django_db
def test_a_rehash_of_the_right_password_keeps_the_tokens(settings):
    user = BaseUserFactory.create()
    assert user.password.startswith("md5$")
    AuthToken.objects.create(user=user)
    # A stronger hasher comes first now: the right password is stored again with it.
    settings.PASSWORD_HASHERS = [
        "django.contrib.auth.hashers.ScryptPasswordHasher",
        "django.contrib.auth.hashers.MD5PasswordHasher",
    ]

    assert user.check_password(TEST_PASSWORD)

    user.refresh_from_db()
    assert user.password.startswith("scrypt$")
    assert AuthToken.objects.filter(user=user).count() == 1


@pytest.mark.django_db
def test_a_new_password_revokes_every_token_but_the_one_kept():
    user = BaseUserFactory.create()
    kept, _ = AuthToken.objects.create(user=user)
    AuthToken.objects.create(user=user)

    user.set_password("a-brand-new-password-9", keep_token_digest=kept.digest)
    user.save()

    assert list(AuthToken.objects.filter(user=user).values_list("digest", flat=True)) == [kept.digest]
