"""Pointing this process's Celery app at a real broker."""

from collections.abc import Iterator
from contextlib import contextmanager

from celery import Celery

from styleguide_project.tasks.broker import transport_register


@contextmanager
def celery_app_on_broker(app: Celery, broker_url: str) -> Iterator[Celery]:
    """Point this process's Celery app at a real broker (not eager) for the block."""
    saved = {key: app.conf[key] for key in ("broker_url", "task_always_eager")}
    # What the settings do in a process started with a Redis CELERY_BROKER_URL.
    if broker_url.startswith(("redis://", "rediss://")):
        transport_register()

    def reset_pools() -> None:
        # kombu keeps connection pools in a global registry keyed by URL.
        from kombu import pools

        pools.reset()
        # Celery caches its pool and producer pool; dropping them makes it
        # build new ones for the new broker URL (as it does after a fork).
        app._after_fork()  # type: ignore[attr-defined]

    reset_pools()
    app.conf.update(broker_url=broker_url, task_always_eager=False)
    try:
        yield app
    finally:
        reset_pools()
        app.conf.update(saved)
