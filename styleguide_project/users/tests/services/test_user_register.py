import pytest
from django.core.exceptions import ValidationError

from styleguide_project.emails.models import Email
from styleguide_project.users.models import BaseUser
from styleguide_project.users.services import user_register
from styleguide_project.users.tests.factories import TEST_PASSWORD, BaseUserFactory

pytestmark = pytest.mark.django_db


def test_a_new_address_gets_an_unverified_account_and_a_verification_email(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        user = user_register(email=" Ada@Example.com", password="correct horse battery")

    assert user is not None
    assert user.email == "ada@example.com"
    assert user.email_verified_at is None
    assert BaseUser.objects.get().check_password("correct horse battery")
    [email] = Email.objects.all()
    assert (email.to, email.subject, email.status) == (
        "ada@example.com",
        "Confirm your email address",
        Email.Status.SENT,
    )


def test_a_taken_address_gets_no_account_and_its_owner_a_notice(django_capture_on_commit_callbacks):
    owner = BaseUserFactory.create(email="ada@example.com")

    with django_capture_on_commit_callbacks(execute=True):
        result = user_register(email="ADA@example.com", password="correct horse battery")

    assert result is None
    owner.refresh_from_db()
    assert owner.check_password(TEST_PASSWORD)
    [notice] = Email.objects.all()
    assert notice.to == "ada@example.com"
    assert notice.subject == "Someone tried to register with your address"
    assert notice.status == Email.Status.SENT


def test_input_is_validated_before_the_address_is_looked_at():
    BaseUserFactory.create(email="ada@example.com")

    with pytest.raises(ValidationError) as excinfo:
        user_register(email="ada@example.com", password="ada@example.com")

    assert set(excinfo.value.message_dict) == {"password"}
    assert Email.objects.count() == 0
