import pytest

from styleguide_project.users.models import BaseUser
from styleguide_project.users.services import user_update
from styleguide_project.users.tests.factories import BaseUserFactory

pytestmark = pytest.mark.django_db


def test_changes_the_name():
    user = BaseUserFactory.create(name="")

    user_update(user=user, data={"name": "Ada Lovelace"})

    assert BaseUser.objects.get(id=user.id).name == "Ada Lovelace"


def test_a_field_the_user_does_not_own_is_a_programming_error():
    user = BaseUserFactory.create()

    with pytest.raises(ValueError, match="is_staff"):
        user_update(user=user, data={"is_staff": True})
    assert BaseUser.objects.get(id=user.id).is_staff is False
