"""`GET /api/health/`: how long a check may wait, and when beat counts as stale."""

from config.env import env

# The longest any one check may wait on the network (connecting to the broker,
# reading beat's tick), and how long live workers have to answer the ping: a
# dead or silent Redis turns into a 503 after about this long, never a hung
# web worker. Every health request takes about this long, as the workers'
# replies are collected until it runs out.
HEALTH_TIMEOUT_SECONDS = env.float("HEALTH_TIMEOUT_SECONDS", default=1.0)

# The active beat writes its last tick to Redis on every tick, and ticks at
# least every 5 seconds (django-celery-beat's longest sleep). A tick older
# than this means beat is dead or stuck: scheduled work is not being sent.
HEALTH_BEAT_STALE_SECONDS = env.float("HEALTH_BEAT_STALE_SECONDS", default=60.0)

# Eager mode (no broker: tasks run inside requests) is how development and the
# unit tests run; anywhere else it is a misconfiguration, and health reports
# the broker, the workers and beat as failing. local.py and test.py allow it.
HEALTH_EAGER_IS_OK = False

# The full report is cached this many seconds (0: not cached), and only one
# request at a time runs a new check: anonymous pollers read the cached report
# instead of each holding a web worker for a second.
HEALTH_CACHE_SECONDS = env.float("HEALTH_CACHE_SECONDS", default=5.0)

# The schedules part (and `setup_periodic_tasks --check`) names a managed
# periodic task whose next run is overdue by more than its grace: its
# definition's `grace_seconds`, or else this fraction of the time between two
# of its runs, and never less than the floor (beat ticks every few seconds,
# and a one-off clocked task has no period to take a fraction of).
PERIODIC_TASK_GRACE_FRACTION = env.float("PERIODIC_TASK_GRACE_FRACTION", default=0.1)
PERIODIC_TASK_GRACE_MIN_SECONDS = env.float("PERIODIC_TASK_GRACE_MIN_SECONDS", default=60.0)
