"""`createsuperuser` goes through `user_create` and keeps its own say over password validation."""

import pytest
from django.core.management import call_command

from styleguide_project.users.models import BaseUser

pytestmark = pytest.mark.django_db


def test_createsuperuser_creates_staff_through_user_create(monkeypatch):
    # Non-interactive, as in a deploy script; Django does not validate this password.
    monkeypatch.setenv("DJANGO_SUPERUSER_PASSWORD", "a-long-admin-password")

    call_command("createsuperuser", interactive=False, email="Root@Example.com", verbosity=0)

    user = BaseUser.objects.get()
    assert (user.email, user.is_staff, user.is_superuser) == ("root@example.com", True, True)
    assert user.check_password("a-long-admin-password")


def test_createsuperuser_keeps_a_password_the_operator_chose(monkeypatch):
    monkeypatch.setenv("DJANGO_SUPERUSER_PASSWORD", "12345")

    call_command("createsuperuser", interactive=False, email="root@example.com", verbosity=0)

    assert BaseUser.objects.get().check_password("12345")
