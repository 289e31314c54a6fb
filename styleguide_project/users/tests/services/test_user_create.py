import threading

import pytest
from django.db import IntegrityError, connection, transaction

from styleguide_project.core.exceptions import ApplicationError
from styleguide_project.users.models import BaseUser
from styleguide_project.users.services import user_create
from testing.processes import wait_until
from testing.services import service_missing

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


@pytest.mark.django_db(transaction=True)
def test_duplicate_lost_in_a_race_is_the_same_error():
    if connection.vendor != "postgresql":
        service_missing("needs PostgreSQL: SQLite lets one writer in at a time, so two registrations cannot interleave")
    # The first registration has inserted its row and not committed: the
    # second one's check sees nothing, and its insert waits on the unique index.
    inserted, commit = threading.Event(), threading.Event()
    outcome: dict[str, Exception] = {}

    def first() -> None:
        try:
            with transaction.atomic():
                user_create(email="ada@example.com")
                inserted.set()
                commit.wait(timeout=30)
        finally:
            connection.close()

    def second() -> None:
        try:
            user_create(email="ADA@example.com")
        except Exception as exc:  # noqa: BLE001 - checked below
            outcome["error"] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    threads[0].start()
    assert inserted.wait(timeout=30)
    threads[1].start()
    wait_until(insert_waiting_for_a_lock, timeout=30, what="the second insert to wait for the first transaction")
    commit.set()
    for thread in threads:
        thread.join(timeout=30)

    error = outcome["error"]
    assert isinstance(error, ApplicationError)
    assert error.message == "A user with this email already exists."
    assert isinstance(error.__cause__, IntegrityError)
    assert BaseUser.objects.count() == 1


def insert_waiting_for_a_lock() -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_locks WHERE locktype = 'transactionid' AND NOT granted")
        (waiting,) = cursor.fetchone()
    return waiting > 0


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
