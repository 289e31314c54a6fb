"""Deleting accounts: by their owner, and those left unverified (docs/accounts.md has the policy)."""

from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from knox.models import AuthToken

from styleguide_project.emails.services import (
    email_anonymise_to,
    email_cancel_to,
    email_create_from_template,
    email_send_all,
)
from styleguide_project.users.models import BaseUser
from styleguide_project.users.selectors import user_unverified_expired_list
from styleguide_project.users.services.email_change import user_password_check
from styleguide_project.users.signals import user_deleted

# Unverified accounts are deleted this many at a time, each batch its own
# transaction, so that a large backlog never holds thousands of row locks.
UNVERIFIED_DELETE_BATCH_SIZE = 100


def user_deleted_address(*, user_id: int) -> str:
    """What the emails of a deleted account are addressed to afterwards: no one (`.invalid` never resolves)."""
    return f"deleted-user-{user_id}@deleted.invalid"


@transaction.atomic
def user_delete(*, user: BaseUser, notify: bool) -> int:
    """Delete `user` and what is theirs, as docs/accounts.md says; returns how many queued emails were cancelled.

    In one transaction: the API tokens go; every email to the address not yet
    sent is CANCELLED (never sent afterwards by a worker, a retry, the relay or
    a replay); the emails that stay as records lose the address and their
    bodies; the row goes, and with it the task ownership rows (campaigns the
    user created keep no link to them); `user_deleted` lets other apps
    anonymise what they keep (a campaign's recipient rows). Sessions need nothing: a session names
    the user's id, which is never given to anyone again, so it reads as
    logged out. With `notify`, a last email confirms the deletion to the
    address, queued after the cancellation so that it is not cancelled.
    """
    user = BaseUser.objects.select_for_update().get(id=user.id)
    address, user_id = user.email, user.id
    AuthToken.objects.filter(user=user).delete()
    cancelled = email_cancel_to(to=address)
    email_anonymise_to(to=address, replacement=user_deleted_address(user_id=user_id))
    user.delete()
    user_deleted.send(sender=BaseUser, user_id=user_id, email=address)
    if notify:
        email_send_all(
            emails=[email_create_from_template(to=address, template="account_deleted", context={"email": address})]
        )
    return len(cancelled)


def user_delete_by_owner(*, user: BaseUser, password: str) -> None:
    """The owner deletes their account, with their password; a confirmation goes to the address."""
    with transaction.atomic():
        user = BaseUser.objects.select_for_update().get(id=user.id)
        user_password_check(user=user, password=password)
        user_delete(user=user, notify=True)


def user_unverified_delete_expired(*, now: datetime | None = None) -> int:
    """Delete the accounts left unverified too long (`user_unverified_expired_list`); returns how many.

    In batches of UNVERIFIED_DELETE_BATCH_SIZE, each its own transaction, rows
    locked with SKIP LOCKED (a user verifying right now is skipped, and two
    runs at once split the work). No email goes out: the address was never
    proved to be the registrant's, so a notice could be mail to a stranger.
    """
    now = now or timezone.now()
    registered_before = now - timedelta(days=settings.USER_UNVERIFIED_DELETE_AFTER_DAYS)
    reminded_before = now - timedelta(hours=settings.EMAIL_VERIFICATION_MAX_AGE_HOURS)
    deleted = 0
    while True:
        with transaction.atomic():
            batch = list(
                user_unverified_expired_list(
                    registered_before=registered_before, reminded_before=reminded_before
                ).select_for_update(skip_locked=True)[:UNVERIFIED_DELETE_BATCH_SIZE]
            )
            for user in batch:
                user_delete(user=user, notify=False)
        deleted += len(batch)
        if len(batch) < UNVERIFIED_DELETE_BATCH_SIZE:
            return deleted
