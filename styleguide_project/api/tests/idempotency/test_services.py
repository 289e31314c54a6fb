import threading
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from styleguide_project.api.idempotency.services import (
    LOCK_SECONDS,
    IdempotencyKeyInUse,
    IdempotencyKeyReused,
    idempotency_key_claim,
    idempotency_key_complete,
    idempotency_key_delete_expired,
    idempotency_key_release,
)
from styleguide_project.api.models import IdempotencyKey
from styleguide_project.users.tests.factories import BaseUserFactory
from testing.concurrency import run_at_once
from testing.services import service_missing

pytestmark = pytest.mark.django_db


def _claim(user, fingerprint="a" * 64, key="key-1"):
    return idempotency_key_claim(
        user=user, method="POST", path="/api/things/", key=key, request_fingerprint=fingerprint
    )


def test_a_claimed_key_is_in_use_until_it_is_answered_or_released():
    user = BaseUserFactory.create()
    claimed = _claim(user)

    with pytest.raises(IdempotencyKeyInUse):
        _claim(user)
    idempotency_key_release(idempotency_key=claimed)

    assert _claim(user).response_status is None


def test_another_body_is_refused_while_in_progress_too():
    user = BaseUserFactory.create()
    _claim(user)

    with pytest.raises(IdempotencyKeyReused):
        _claim(user, fingerprint="b" * 64)


def test_an_answered_key_is_returned_with_its_answer():
    user = BaseUserFactory.create()
    claimed = _claim(user)
    idempotency_key_complete(idempotency_key=claimed, response_status=201, response_body={"id": 7})

    found = _claim(user)

    assert (found.id, found.response_status, found.response_body) == (claimed.id, 201, {"id": 7})


def test_a_key_whose_holder_died_is_taken_over_and_the_late_holder_cannot_answer():
    user = BaseUserFactory.create()
    dead = _claim(user)
    IdempotencyKey.objects.update(locked_at=timezone.now() - timedelta(seconds=LOCK_SECONDS + 1))

    taken_over = _claim(user)

    assert taken_over.id == dead.id
    # Should the first still be running, its answer is refused, and so its work rolls back.
    with pytest.raises(IdempotencyKeyInUse):
        idempotency_key_complete(idempotency_key=dead, response_status=201, response_body={})
    idempotency_key_complete(idempotency_key=taken_over, response_status=201, response_body={"id": 8})
    assert IdempotencyKey.objects.get().response_body == {"id": 8}


def test_release_leaves_an_answered_key_alone():
    user = BaseUserFactory.create()
    claimed = _claim(user)
    idempotency_key_complete(idempotency_key=claimed, response_status=201, response_body={})

    idempotency_key_release(idempotency_key=claimed)

    assert IdempotencyKey.objects.filter(id=claimed.id).exists()


def test_delete_expired_deletes_only_what_is_older_than_the_age():
    user = BaseUserFactory.create()
    old, kept = _claim(user, key="old"), _claim(user, key="kept")
    IdempotencyKey.objects.filter(id=old.id).update(created_at=timezone.now() - timedelta(hours=25))

    deleted = idempotency_key_delete_expired(expires=timedelta(hours=24))

    assert deleted == 1
    assert list(IdempotencyKey.objects.values_list("id", flat=True)) == [kept.id]


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("round_", range(3))
def test_of_two_claims_at_once_one_wins_and_the_other_is_in_use(round_):
    if connection.vendor != "postgresql":
        service_missing("needs PostgreSQL: two connections inserting at once")
    user = BaseUserFactory.create()
    outcomes: list[str] = []

    def claim(start: threading.Barrier) -> None:
        start.wait()
        try:
            _claim(user)
            outcomes.append("claimed")
        except IdempotencyKeyInUse:
            outcomes.append("in use")

    run_at_once(claim)

    assert sorted(outcomes) == ["claimed", "in use"]
    assert IdempotencyKey.objects.count() == 1
