import pytest
from django.core.exceptions import ValidationError

from styleguide_project.common.services import model_update
from styleguide_project.users.tests.factories import BaseUserFactory

pytestmark = pytest.mark.django_db


def test_changed_fields_are_saved_and_updated_at_bumped():
    user = BaseUserFactory.create(is_staff=False)
    before = user.updated_at

    user, updated = model_update(instance=user, fields=["is_staff"], data={"is_staff": True})

    assert updated is True
    user.refresh_from_db()
    assert user.is_staff is True
    assert user.updated_at > before


def test_unchanged_data_writes_nothing(django_assert_num_queries):
    user = BaseUserFactory.create(is_staff=False)

    with django_assert_num_queries(0):
        _, updated = model_update(instance=user, fields=["is_staff"], data={"is_staff": False})

    assert updated is False


def test_fields_missing_from_data_are_left_alone():
    user = BaseUserFactory.create(is_staff=False, is_active=True)

    user, updated = model_update(instance=user, fields=["is_staff", "is_active"], data={"is_staff": True})

    user.refresh_from_db()
    assert updated is True
    assert (user.is_staff, user.is_active) == (True, True)


def test_only_the_changed_columns_are_written(django_assert_num_queries):
    user = BaseUserFactory.create(is_staff=False)

    # Only the written fields are validated: no unique-email SELECT, one UPDATE.
    with django_assert_num_queries(1) as captured:
        model_update(instance=user, fields=["is_staff"], data={"is_staff": True})

    [update] = [q["sql"] for q in captured.captured_queries if q["sql"].startswith("UPDATE")]
    assert '"is_staff"' in update
    assert '"updated_at"' in update
    assert '"email"' not in update


def test_invalid_value_fails_full_clean_and_saves_nothing():
    user = BaseUserFactory.create(email="keep@example.com")

    with pytest.raises(ValidationError) as excinfo:
        model_update(instance=user, fields=["email"], data={"email": "not-an-email"})

    assert "email" in excinfo.value.message_dict
    user.refresh_from_db()
    assert user.email == "keep@example.com"


def test_unknown_field_is_a_programming_error():
    user = BaseUserFactory.build()

    with pytest.raises(ValueError, match="'nope' is not a field of BaseUser"):
        model_update(instance=user, fields=["nope"], data={"nope": 1})


def test_many_to_many_fields_are_set_after_save():
    from django.contrib.auth.models import Group

    user = BaseUserFactory.create()
    group = Group.objects.create(name="editors")

    user, updated = model_update(instance=user, fields=["groups"], data={"groups": [group]})

    assert updated is True
    assert list(user.groups.all()) == [group]


def test_only_the_written_fields_are_validated():
    # A row saved before a validation rule existed can still change status.
    user = BaseUserFactory.create()
    type(user).objects.filter(id=user.id).update(email="legacy-not-an-email")
    user.refresh_from_db()

    user, updated = model_update(instance=user, fields=["is_staff"], data={"is_staff": True})

    assert updated is True
    user.refresh_from_db()
    assert user.is_staff is True
