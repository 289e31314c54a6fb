"""What Django's cache raises when its Redis cannot be reached or answers too late.

Code that uses the cache for something a request can do without (a counter,
a shortcut, a rate limit on notices) catches these and goes on; the choice of
going on or refusing is made where the value is used.
"""

from redis.exceptions import RedisError

CACHE_ERRORS: tuple[type[Exception], ...] = (RedisError, OSError)
