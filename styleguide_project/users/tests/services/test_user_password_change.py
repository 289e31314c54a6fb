import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from knox.models import AuthToken

from styleguide_project.core.exceptions import ApplicationError
from styleguide_project.users.services import user_password_change
from styleguide_project.users.tests.factories import TEST_PASSWORD, BaseUserFactory

pytestmark = pytest.mark.django_db
NEW_PASSWORD = "a-brand-new-password-9"


def test_changes_the_password_keeps_one_token_and_notifies(django_capture_on_commit_callbacks):
    user = BaseUserFactory.create(email="ada@example.com")
    kept, _ = AuthToken.objects.create(user=user)
    AuthToken.objects.create(user=user)

    with django_capture_on_commit_callbacks(execute=True):
        user_password_change(
            user=user, current_password=TEST_PASSWORD, new_password=NEW_PASSWORD, keep_token_digest=kept.digest
        )

    user.refresh_from_db()
    assert user.check_password(NEW_PASSWORD)
    assert list(AuthToken.objects.filter(user=user).values_list("digest", flat=True)) == [kept.digest]
    assert [(message.to, message.subject) for message in mail.outbox] == [
        (["ada@example.com"], "Your password was changed")
    ]


def test_without_a_token_to_keep_every_token_dies():
    user = BaseUserFactory.create()
    AuthToken.objects.create(user=user)

    user_password_change(user=user, current_password=TEST_PASSWORD, new_password=NEW_PASSWORD)

    assert not AuthToken.objects.filter(user=user).exists()


def test_a_wrong_current_password_changes_nothing():
    user = BaseUserFactory.create()
    AuthToken.objects.create(user=user)

    with pytest.raises(ApplicationError) as excinfo:
        user_password_change(user=user, current_password="not-the-password", new_password=NEW_PASSWORD)

    assert excinfo.value.message == "The current password is not correct."
    assert set(excinfo.value.extra["fields"]) == {"current_password"}
    user.refresh_from_db()
    assert user.check_password(TEST_PASSWORD)
    assert AuthToken.objects.filter(user=user).count() == 1


def test_the_new_password_meets_the_validators_with_the_user():
    user = BaseUserFactory.create(email="ada.lovelace@example.com")

    with pytest.raises(ValidationError) as excinfo:
        user_password_change(user=user, current_password=TEST_PASSWORD, new_password="ada.lovelace")

    assert set(excinfo.value.message_dict) == {"new_password"}
    user.refresh_from_db()
    assert user.check_password(TEST_PASSWORD)
