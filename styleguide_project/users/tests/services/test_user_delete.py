"""Deleting an account: its data, tokens and sessions, its unsent emails, and the confirmation."""

import pytest
from django.core import mail
from django.test import Client
from knox.models import AuthToken

from styleguide_project.campaigns.models import EmailCampaign
from styleguide_project.core.exceptions import ApplicationError
from styleguide_project.emails.models import Email
from styleguide_project.emails.tests.factories import EmailFactory
from styleguide_project.task_progress.models import TaskOwnership
from styleguide_project.users.models import BaseUser
from styleguide_project.users.services import user_delete, user_delete_by_owner
from styleguide_project.users.tests.factories import TEST_PASSWORD, BaseUserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def ada() -> BaseUser:
    return BaseUserFactory.create(email="ada@example.com", name="Ada Lovelace")


def test_the_owner_deletes_the_account_and_gets_a_confirmation(ada, django_capture_on_commit_callbacks):
    AuthToken.objects.create(user=ada)
    TaskOwnership.objects.create(task_id="t-1", task_name="emails.email_campaign_send", user=ada)
    campaign = EmailCampaign.objects.create(subject="News", plain_text="Hi", created_by=ada)
    queued = EmailFactory.create(to="ada@example.com", status=Email.Status.SENDING)
    sent = EmailFactory.create(to="ada@example.com", status=Email.Status.SENT, plain_text="Hi Ada")

    with django_capture_on_commit_callbacks(execute=True):
        user_delete_by_owner(user=ada, password=TEST_PASSWORD)

    assert not BaseUser.objects.filter(id=ada.id).exists()
    assert not AuthToken.objects.exists()
    assert not TaskOwnership.objects.exists()
    campaign.refresh_from_db()
    assert campaign.created_by is None
    queued.refresh_from_db()
    sent.refresh_from_db()
    assert queued.status == Email.Status.CANCELLED
    assert (sent.to, sent.plain_text) == (f"deleted-user-{ada.id}@deleted.invalid", "")
    # The confirmation is the one email left with the address, and it is delivered.
    assert [(message.to, message.subject) for message in mail.outbox] == [
        (["ada@example.com"], "Your account has been deleted")
    ]
    assert Email.objects.filter(to="ada@example.com").get().status == Email.Status.SENT


def test_a_wrong_password_deletes_nothing(ada, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(ApplicationError) as excinfo:
        user_delete_by_owner(user=ada, password="not-the-password")

    assert excinfo.value.extra == {"fields": {"password": ["The password is not correct."]}}
    assert BaseUser.objects.filter(id=ada.id).exists()
    assert mail.outbox == []


def test_a_session_of_a_deleted_account_is_logged_out(ada):
    browser = Client()
    browser.force_login(ada)
    assert browser.get("/api/users/me/").status_code == 200

    user_delete(user=ada, notify=False)

    assert browser.get("/api/users/me/").status_code in (401, 403)


def test_the_address_can_register_again(ada, django_capture_on_commit_callbacks):
    user_delete(user=ada, notify=False)

    again = BaseUserFactory.create(email="ada@example.com")

    assert again.id != ada.id
