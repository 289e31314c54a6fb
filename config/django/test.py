"""The test suite.

Unit tests always run tasks eagerly and send mail to Django's locmem outbox,
whatever the environment says about a broker: tests that need a real broker
and worker start their own processes with their own environment.

`.env` is never read here (config/env.py): it names the developer's stack.
Services come only from the environment of the run (DATABASE_URL, REDIS_URL,
as .ci/run sets them); pytest-django creates its own `test_<name>` database,
and the Redis databases the tests empty must be empty or the tests' own
(testing/redis_dbs.py).
"""

from config.django.base import *  # noqa: F403

DEBUG = False
SECRET_KEY = "test-only-secret-key"  # noqa: S105 - never used outside tests
ALLOWED_HOSTS = ["testserver", "localhost", "127.0.0.1"]

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"

CELERY_TASK_ALWAYS_EAGER = True
CELERY_TASK_EAGER_PROPAGATES = True
HEALTH_EAGER_IS_OK = True
HEALTH_CACHE_SECONDS = 0.0
METRICS_CACHE_SECONDS = 0.0
# A test that publishes in its own process sees the marks at once; processes
# the tests start (workers, servers) mark in batches, as deployed.
OUTBOX_MARK_BATCH_SECONDS = 0.0
