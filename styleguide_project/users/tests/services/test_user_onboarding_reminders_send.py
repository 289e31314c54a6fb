"""The onboarding reminder: the right users, once each, through the email pipeline after commit."""

import threading
from datetime import timedelta

import pytest
from django.core import mail
from django.db import connection, connections, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from styleguide_project.emails.models import Email
from styleguide_project.users.models import BaseUser
from styleguide_project.users.services import user_complete_onboarding, user_onboarding_reminders_send
from styleguide_project.users.tests.factories import BaseUserFactory
from testing.services import service_missing

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _after_48_hours(settings):
    settings.ONBOARDING_REMINDER_AFTER_HOURS = 48


def registered(hours_ago: float, **fields) -> BaseUser:
    user = BaseUserFactory.create(**fields)
    BaseUser.objects.filter(id=user.id).update(created_at=timezone.now() - timedelta(hours=hours_ago))
    user.refresh_from_db()
    return user


def test_reminds_only_users_past_the_delay_who_have_not_onboarded(django_capture_on_commit_callbacks):
    # given
    due = registered(49, email="due@example.com")
    registered(47, email="too-recent@example.com")
    registered(100, email="onboarded@example.com", onboarded_at=timezone.now())
    registered(100, email="reminded@example.com", onboarding_reminded_at=timezone.now() - timedelta(days=3))
    registered(100, email="inactive@example.com", is_active=False)
    registered(100, email="staff@example.com", is_staff=True)
    registered(100, email="unverified@example.com", email_verified_at=None)
    now = timezone.now()

    # when
    with django_capture_on_commit_callbacks(execute=True):
        reminded = user_onboarding_reminders_send(now=now)

    # then
    assert reminded == 1
    due.refresh_from_db()
    assert due.onboarding_reminded_at == now
    [email] = Email.objects.all()
    assert (email.to, email.status) == ("due@example.com", Email.Status.SENT)
    assert [message.to for message in mail.outbox] == [["due@example.com"]]


def test_the_email_says_what_is_left_to_do(django_capture_on_commit_callbacks):
    user = registered(72, email="o'brien@example.com")

    with django_capture_on_commit_callbacks(execute=True):
        user_onboarding_reminders_send()

    [message] = mail.outbox
    registered_on = timezone.localtime(user.created_at).strftime("%-d %B %Y")
    assert message.subject == "One step left: finish your onboarding"
    assert message.body.startswith("Hello o'brien@example.com,\n")
    assert f"you registered on {registered_on}, but your onboarding is not complete yet." in message.body
    # The HTML part escapes what the user typed.
    assert "Hello o&#x27;brien@example.com," in Email.objects.get().html


def test_nothing_is_sent_before_the_transaction_commits(django_capture_on_commit_callbacks):
    registered(49)

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        user_onboarding_reminders_send()

    assert len(callbacks) == 1
    assert mail.outbox == []
    assert Email.objects.get().status == Email.Status.SENDING


def test_running_twice_the_same_day_sends_nothing_more(django_capture_on_commit_callbacks):
    registered(49)
    registered(50)

    with django_capture_on_commit_callbacks(execute=True):
        first = user_onboarding_reminders_send()
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        second = user_onboarding_reminders_send(now=timezone.now() + timedelta(hours=6))

    assert (first, second) == (2, 0)
    assert callbacks == []
    assert Email.objects.count() == 2
    assert len(mail.outbox) == 2


def test_a_user_is_reminded_once_the_delay_has_passed(django_capture_on_commit_callbacks):
    user = registered(10)

    with django_capture_on_commit_callbacks(execute=True):
        too_early = user_onboarding_reminders_send()
        later = user_onboarding_reminders_send(now=user.created_at + timedelta(hours=48, seconds=1))

    assert (too_early, later) == (0, 1)


def test_a_user_who_completes_onboarding_is_never_reminded_afterwards(django_capture_on_commit_callbacks):
    user = registered(49, email="ada@example.com")

    with django_capture_on_commit_callbacks(execute=True):
        user_complete_onboarding(user=user)
        reminded = user_onboarding_reminders_send(now=timezone.now() + timedelta(days=30))

    assert reminded == 0
    assert [message.subject for message in mail.outbox] == ["Welcome aboard, ada@example.com"]


def test_queries_grow_by_one_insert_per_user():
    def queries_for(users: int) -> int:
        BaseUser.objects.all().delete()
        for _ in range(users):
            registered(49)
        with CaptureQueriesContext(connection) as context:
            assert user_onboarding_reminders_send() == users
        return len(context.captured_queries)

    assert queries_for(6) - queries_for(2) == 4


@pytest.mark.django_db(transaction=True)
def test_a_user_whose_row_is_locked_is_skipped_not_waited_for_nor_reminded_twice():
    # What a second run at the same time (or an onboarding in progress) does:
    # hold the row lock of one user in another connection.
    if connection.vendor != "postgresql":
        service_missing("needs PostgreSQL: SQLite has no row locks (set DATABASE_URL=postgres://...)")
    busy, free = registered(49), registered(49)
    locked, release = threading.Event(), threading.Event()

    def hold_lock() -> None:
        try:
            with transaction.atomic():
                BaseUser.objects.select_for_update().get(id=busy.id)
                locked.set()
                release.wait(timeout=10)
        finally:
            connections.close_all()

    holder = threading.Thread(target=hold_lock)
    holder.start()
    try:
        assert locked.wait(timeout=10)
        first = user_onboarding_reminders_send()
    finally:
        release.set()
        holder.join(timeout=10)
    second = user_onboarding_reminders_send()

    assert (first, second) == (1, 1)
    assert sorted(Email.objects.values_list("to", flat=True)) == sorted([busy.email, free.email])
