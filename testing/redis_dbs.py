"""Emptying the Redis databases a test or benchmark run uses, and only those.

A run may empty a database that is empty, or that carries the claim key a
run left in it. A database holding anything else (a running stack's cache,
locks and broker queues) stops the run with a message naming it, instead of
being emptied: a developer's test run must never touch their stack's data.

Claim a database for test runs by hand (it is emptied):
    python -m testing.redis_dbs claim redis://127.0.0.1:6379/14
"""

import sys

import redis

CLAIM_KEY = "styleguide_project:claimed-by-test-runs"


class RedisDatabaseNotOursError(Exception):
    pass


def redis_db_empty(target: str | redis.Redis) -> None:
    """Empty the Redis database at `target` (a URL or a client) if a run may; raise RedisDatabaseNotOursError if not."""
    client = redis.Redis.from_url(target) if isinstance(target, str) else target
    if client.dbsize() and not client.exists(CLAIM_KEY):
        kwargs = client.connection_pool.connection_kwargs
        where = f"redis://{kwargs.get('host')}:{kwargs.get('port')}/{kwargs.get('db', 0)}"
        raise RedisDatabaseNotOursError(
            f"Redis database {where} holds keys that no test or benchmark run wrote, so it is left alone. "
            "Give the run a database of its own (an empty one), or, if this one is for test runs, claim it "
            f"(it is emptied): python -m testing.redis_dbs claim {where}"
        )
    client.flushdb()
    # Set again at once, so that a run killed before it cleans up leaves a database the next run may empty.
    client.set(CLAIM_KEY, "1")


def redis_db_claim(url: str) -> None:
    """Empty the database at `url`, whatever it holds, and mark it as test runs' own."""
    client = redis.Redis.from_url(url)
    client.flushdb()
    client.set(CLAIM_KEY, "1")


if __name__ == "__main__":
    if len(sys.argv) < 3 or sys.argv[1] != "claim":
        sys.exit("usage: python -m testing.redis_dbs claim REDIS_URL [REDIS_URL ...]")
    for url in sys.argv[2:]:
        redis_db_claim(url)
        sys.stdout.write(f"claimed for test runs (emptied): {url}\n")
