"""The project's one retry policy: which errors are the database's, and how long a retry waits."""

import random

from django.conf import settings
from django.db import InterfaceError, OperationalError

# Errors of the database connection: a transaction that failed with one rolled
# back, so running the task again is safe. Tasks list them in `autoretry_for`.
DATABASE_ERRORS: tuple[type[Exception], ...] = (OperationalError, InterfaceError)


def task_retry_countdown(*, retries: int) -> float:
    """Seconds before retry number `retries + 1`: exponential, capped, with equal jitter.

    The delay doubles from TASK_RETRY_BACKOFF_SECONDS up to
    TASK_RETRY_BACKOFF_MAX_SECONDS. Half of it is fixed and half random, so
    that retries of many tasks that failed together spread out, while each
    retry still waits at least half as long as the uncapped delay.
    """
    delay = min(float(settings.TASK_RETRY_BACKOFF_MAX_SECONDS), settings.TASK_RETRY_BACKOFF_SECONDS * 2**retries)
    return delay / 2 + random.uniform(0, delay / 2)  # noqa: S311 - jitter, not cryptography
