from datetime import timedelta

import pytest
from django.utils import timezone

from styleguide_project.api.idempotency.services import idempotency_key_claim
from styleguide_project.api.models import IdempotencyKey
from styleguide_project.api.tasks import idempotency_key_delete_expired
from styleguide_project.users.tests.factories import BaseUserFactory

pytestmark = pytest.mark.django_db


def test_deletes_the_keys_older_than_the_setting(settings):
    settings.IDEMPOTENCY_KEY_TTL_HOURS = 2
    user = BaseUserFactory.create()
    old, kept = (
        idempotency_key_claim(user=user, method="POST", path="/api/x/", key=key, request_fingerprint="f")
        for key in ("old", "kept")
    )
    IdempotencyKey.objects.filter(id=old.id).update(created_at=timezone.now() - timedelta(hours=2, minutes=1))
    IdempotencyKey.objects.filter(id=kept.id).update(created_at=timezone.now() - timedelta(hours=1, minutes=59))

    deleted = idempotency_key_delete_expired.delay().get()

    assert deleted == 1
    assert list(IdempotencyKey.objects.values_list("key", flat=True)) == ["kept"]
