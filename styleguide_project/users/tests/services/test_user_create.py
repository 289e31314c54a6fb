import pytest
from django.db import IntegrityError

from styleguide_project.core.exceptions import ApplicationError
from styleguide_project.users.models import BaseUser
from styleguide_project.users.services import user_create

pytestmark = pytest.mark.django_db


def test_creates_a_user_who_can_log_in_by_email():
    user = user_create(email="  Ada@Example.COM ", password="correct horse battery")

    assert user.email == "ada@example.com"
    assert user.check_password("correct horse battery")
    assert user.is_active
    assert not user.is_staff
    assert user.onboarded_at is None


def test_without_password_the_password_is_unusable():
    user = user_create(email="ada@example.com")

    assert not user.has_usable_password()


def test_duplicate_email_is_an_application_error_not_an_integrity_error():
    user_create(email="ada@example.com", password="correct horse battery")

    with pytest.raises(ApplicationError) as excinfo:
        user_create(email="ADA@example.com", password="another long password")

    assert excinfo.value.message == "A user with this email already exists."
    assert excinfo.value.extra == {"fields": {"email": ["ada@example.com is already registered."]}}
    assert BaseUser.objects.count() == 1


def test_duplicate_lost_in_a_race_is_the_same_error(monkeypatch):
    # Simulate the race: the existence check sees nothing, the unique index does.
    user_create(email="ada@example.com")
    monkeypatch.setattr(
        "styleguide_project.users.services.BaseUser.objects.filter",
        lambda **kwargs: BaseUser.objects.none(),
    )

    with pytest.raises(ApplicationError) as excinfo:
        user_create(email="ada@example.com")

    assert isinstance(excinfo.value.__cause__, IntegrityError)
    assert BaseUser.objects.count() == 1


def test_invalid_email_is_rejected():
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError) as excinfo:
        user_create(email="not-an-email")

    assert "email" in excinfo.value.message_dict


@pytest.mark.parametrize(
    ("password", "message"),
    [
        ("short-1", "This password is too short. It must contain at least 8 characters."),
        ("password123", "This password is too common."),
        ("5829301746", "This password is entirely numeric."),
        ("ada.lovelace.example", "The password is too similar to the email address."),
    ],
)
def test_a_weak_password_is_refused(password, message):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError) as excinfo:
        user_create(email="ada.lovelace@example.com", password=password)

    assert message in excinfo.value.message_dict["password"]
    assert BaseUser.objects.count() == 0


def test_a_bad_email_and_a_weak_password_are_reported_together():
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError) as excinfo:
        user_create(email="not-an-email", password="123")

    assert set(excinfo.value.message_dict) == {"email", "password"}


def test_createsuperuser_may_overrule_the_validators():
    user = user_create(email="root@example.com", password="123", is_staff=True, validate_password=False)

    assert user.check_password("123")
