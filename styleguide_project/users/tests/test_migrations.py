import importlib

import pytest
from django.apps import apps

from styleguide_project.users.models import BaseUser
from styleguide_project.users.tests.factories import BaseUserFactory

pytestmark = pytest.mark.django_db

renormalize = importlib.import_module("styleguide_project.users.migrations.0003_email_nfkc_casefold")


def test_old_forms_are_stored_in_the_new_one_and_a_clash_is_left_for_the_operator(capsys):
    # Rows as the lower-casing-only normalisation stored them.
    old = BaseUserFactory.create(email="ada@\uff45\uff58\uff41\uff4d\uff50\uff4c\uff45.com")
    plain = BaseUserFactory.create(email="sam@example.com")
    clash = BaseUserFactory.create(email="\u017fam@example.com")
    ascii_ = BaseUserFactory.create(email="bob@example.com")

    renormalize.renormalize_emails(apps, None)

    emails = dict(BaseUser.objects.values_list("id", "email"))
    assert emails == {
        old.id: "ada@example.com",
        plain.id: "sam@example.com",
        clash.id: "\u017fam@example.com",
        ascii_.id: "bob@example.com",
    }
    assert f"users.BaseUser {clash.id}:" in capsys.readouterr().out
