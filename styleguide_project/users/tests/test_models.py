import unicodedata

import pytest

from styleguide_project.users.models import user_normalize_email


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
