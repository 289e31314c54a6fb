"""Operating on one_instance locks."""

from django.conf import settings
from django.core.cache import cache

from styleguide_project.tasks.app.redis_clients import RedisPurpose, redis_client
from styleguide_project.tasks.locks.task_lock import LOCK_PREFIX, cache_lock_index_update


def task_lock_free(*, key: str) -> bool:
    """Free a lock whoever holds it (an operator's decision); False when there is no such lock."""
    if settings.REDIS_URL:
        return bool(redis_client(purpose=RedisPurpose.LOCKS).delete(LOCK_PREFIX + key))
    existed = cache.get(LOCK_PREFIX + key) is not None
    cache.delete(LOCK_PREFIX + key)
    cache_lock_index_update(remove=key)
    return existed
