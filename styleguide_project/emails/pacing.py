"""One sending rate for every worker process on every host: `EMAIL_SEND_RATE`, kept in Redis.

A relay's contract reads "at most N messages a second"; a relay that sees
more defers or refuses the excess. Each process asks for a turn before it
opens the transaction of an email (`email_send_rate_take`), and says when
the message has left (`email_send_rate_done`). One Lua script decides each
turn atomically, on the Redis server's clock, so the hosts' clocks never
meet. It keeps:

- the turns in flight (taken, message not yet handed over) and the ones done
  in the last second: a turn is given only while they number fewer than the
  rate. A message reaches the relay after its turn is taken and before it is
  done, so in any one second the relay receives at most the rate, however
  late a message arrives after its turn (emails/tests/test_pacing.py runs
  processes against it);
- a spacing of 1/rate between turns, so a campaign goes out smoothly instead
  of in one burst at the start of each second;
- the transactional emails (a person waits for them) that are waiting: while
  one waits, no bulk email takes a turn, so it goes out with the next free
  one, within about 1/rate, whatever the campaign's backlog.

When Redis loses the state (a restart without persistence, an eviction), it
cannot know what went out in the last second, so no turn is given for one
second; so it is on first use, and after a day without a single email.
While Redis does not answer, the caller pauses, asking again with a growing
pause, and holds no transaction; after `EMAIL_SEND_RATE_REDIS_PATIENCE_SECONDS`
it raises `EmailSendRateUnavailableError` and the batch leaves its unsent
emails SENDING for its retry. Nothing is sent unpaced, and nothing is lost.
"""

import functools
import logging
import math
import random
import time
import uuid
from collections.abc import Callable
from typing import Any

import redis
from django.conf import settings
from django.core.signals import setting_changed
from django.dispatch import receiver
from redis.backoff import NoBackoff
from redis.retry import Retry

from styleguide_project.emails.exceptions import EmailSendRateUnavailableError

logger = logging.getLogger(__name__)

# KEYS: the spacing's next turn, the turns in flight, the turns done, the
# transactional emails waiting, and the state's birth.
# ARGV: "take" or "done", the turn's token, "1" for a transactional email,
# the spacing (s), the turns a second, the lease of a turn in flight (s),
# the time (s) or "" for the server's clock, and the token of a turn whose
# message has left, or "" (a take says so for the previous one: one call).
# Returns the seconds to wait before asking again, "0" when the turn is given.
# Numbers go out as strings: Redis would truncate a Lua number to an integer.
_SCRIPT = """
local next_key, flight_key, done_key, waiting_key, born_key = KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5]
local op, token, transactional = ARGV[1], ARGV[2], ARGV[3] == '1'
local spacing, capacity, lease = tonumber(ARGV[4]), tonumber(ARGV[5]), tonumber(ARGV[6])
local now
if ARGV[7] ~= '' then
  now = tonumber(ARGV[7])
else
  local t = redis.call('TIME')
  now = tonumber(t[1]) + tonumber(t[2]) / 1000000
end
local keep = math.ceil(lease) + 2

if ARGV[8] ~= '' then
  redis.call('ZREM', flight_key, ARGV[8])
  redis.call('ZADD', done_key, now, ARGV[8])
  redis.call('EXPIRE', done_key, keep)
end
if op == 'done' then
  return '0'
end

-- A state that is new (first use, or Redis lost it) does not know what went
-- out in the last second: no turn for one second.
local born = tonumber(redis.call('GET', born_key) or '')
if not born then
  born = now
end
redis.call('SET', born_key, string.format('%.6f', born), 'EX', 86400)

redis.call('ZREMRANGEBYSCORE', done_key, '-inf', now - 1)
redis.call('ZREMRANGEBYSCORE', flight_key, '-inf', now - lease)
redis.call('ZREMRANGEBYSCORE', waiting_key, '-inf', now)
local next_turn = tonumber(redis.call('GET', next_key) or '0')
local used = redis.call('ZCARD', flight_key) + redis.call('ZCARD', done_key)

local wait = 0
if now < born + 1 then
  wait = born + 1 - now
elseif next_turn > now then
  wait = next_turn - now
elseif used >= capacity then
  local oldest = redis.call('ZRANGE', done_key, 0, 0, 'WITHSCORES')
  if oldest[2] then
    wait = math.max(tonumber(oldest[2]) + 1 - now, 0.001)
  else
    -- Every turn of the second is in flight: one is done soon.
    wait = 0.005
  end
end
if wait <= 0 and not transactional and redis.call('ZCARD', waiting_key) > 0 then
  -- A person's email waits: it takes the next turn.
  wait = spacing
end
if wait > 0 then
  if transactional then
    redis.call('ZADD', waiting_key, now + wait + 1, token)
    redis.call('EXPIRE', waiting_key, keep)
  end
  return string.format('%.6f', wait)
end

-- Keep to the spacing's grid when turns are taken late (a process wakes
-- up after its sleep, or stalls a moment): the turns missed in the last
-- tenth of a second are made up back to back, or the rate would fall short
-- by every delay. The count of the last second above bounds the catching up.
-- After a longer pause, start from now.
local base = next_turn
if now - next_turn > math.max(spacing, 0.1) then
  base = now
end
redis.call('SET', next_key, string.format('%.6f', base + spacing), 'EX', keep)
redis.call('ZADD', flight_key, now, token)
redis.call('EXPIRE', flight_key, keep)
redis.call('ZREM', waiting_key, token)
return '0'
"""

_KEYS = ("next", "flight", "done", "waiting", "born")
# The longest one sleep between two questions to Redis: a waiting email's
# place among the waiting ones stays fresh.
_MAX_SLEEP_SECONDS = 1.0


class EmailSendPacer:
    """Turns at `per_second` for every process that shares `client` and `key_prefix`.

    `clock` (seconds) stands in for the Redis server's clock and `sleep` for
    time.sleep in the tests; in production both are left out.
    """

    def __init__(
        self,
        *,
        client: redis.Redis,
        per_second: float,
        key_prefix: str,
        lease_seconds: float,
        patience_seconds: float,
        clock: Callable[[], float] | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.client = client
        self.per_second = per_second
        self.spacing = 1.0 / per_second
        # Under one a second (600/h), one turn in any second: the spacing does the rest.
        self.capacity = max(1, math.floor(per_second))
        self.keys = [f"{key_prefix}:{name}" for name in _KEYS]
        self.lease_seconds = lease_seconds
        self.patience_seconds = patience_seconds
        self.clock = clock
        self.sleep = sleep
        self._script = client.register_script(_SCRIPT)

    def take(self, *, transactional: bool, finished: str | None = None) -> str:
        """Wait for a turn and return its token (for `done`); raises EmailSendRateUnavailableError.

        `finished`: the token of this process's previous turn, whose message has
        left since: recorded in the same call as `done` would.
        """
        token = uuid.uuid4().hex
        while True:
            wait = self._call("take", token=token, transactional=transactional, finished=finished)
            if wait <= 0:
                return token
            finished = None
            if not transactional:
                # The campaign's processes wait for the same turn; apart, fewer
                # of them ask in vain (a turn taken late is made up, see the script).
                wait += random.uniform(0, min(self.spacing, 0.05))  # noqa: S311 - spreading, not a secret
            self.sleep(min(wait, _MAX_SLEEP_SECONDS))

    def done(self, token: str) -> None:
        """The turn's message has left (or failed): its place frees one second from now. Never raises."""
        try:
            self._run("done", token="", transactional=False, finished=token)
        except redis.RedisError as exc:
            # The turn stays in flight until its lease lapses: the rate errs on the slow side.
            logger.warning("The sending rate's Redis did not record a sent email: %s", exc)

    def _call(self, op: str, *, token: str, transactional: bool, finished: str | None = None) -> float:
        """The script's answer; while Redis does not answer, pause and ask again, up to the patience."""
        started = time.monotonic()
        pause = 0.05
        while True:
            try:
                return self._run(op, token=token, transactional=transactional, finished=finished)
            except redis.RedisError as exc:
                waited = time.monotonic() - started
                if waited >= self.patience_seconds:
                    raise EmailSendRateUnavailableError(
                        f"the sending rate's Redis did not answer for {waited:.0f} s: {exc}"
                    ) from exc
                if pause == 0.05:
                    logger.warning("Sending paused: the sending rate's Redis does not answer (%s)", exc)
                time.sleep(min(pause, self.patience_seconds - waited))
                pause = min(pause * 2, 1.0)

    def _run(self, op: str, *, token: str, transactional: bool, finished: str | None) -> float:
        now = "" if self.clock is None else f"{self.clock():.6f}"
        args: list[Any] = [
            op,
            token,
            "1" if transactional else "0",
            repr(self.spacing),
            self.capacity,
            repr(self.lease_seconds),
            now,
            finished or "",
        ]
        answer = self._script(keys=self.keys, args=args)
        return float(answer)


def email_send_pacer() -> EmailSendPacer | None:
    """The pacer of EMAIL_SEND_RATE, or None when it is unset (no limit)."""
    per_second: float | None = settings.EMAIL_SEND_RATE_PER_SECOND
    if per_second is None:
        return None
    return _pacer(
        per_second,
        settings.EMAIL_SEND_RATE_REDIS_URL,
        settings.EMAIL_SEND_RATE_KEY_PREFIX,
        # A turn whose process died is given back after this long; a send
        # takes at most a few SMTP timeouts.
        float(2 * settings.EMAIL_TIMEOUT + 1),
        float(settings.EMAIL_SEND_RATE_REDIS_PATIENCE_SECONDS),
    )


def email_send_rate_take(*, bulk: bool, finished: str | None = None) -> str | None:
    """Wait for this email's turn under EMAIL_SEND_RATE; None when there is no limit.

    Call it with no transaction open: the wait may last seconds. `finished`:
    the previous turn of this process, whose message has left since.
    """
    pacer = email_send_pacer()
    return None if pacer is None else pacer.take(transactional=not bulk, finished=finished)


def email_send_rate_done(token: str | None) -> None:
    """The email of the turn `token` has left (or failed); nothing without a limit."""
    pacer = email_send_pacer()
    if pacer is not None and token is not None:
        pacer.done(token)


@functools.lru_cache(maxsize=8)
def _pacer(per_second: float, url: str, key_prefix: str, lease: float, patience: float) -> EmailSendPacer:
    # One attempt per command and short timeouts: the pacer's own loop decides
    # how long to wait for Redis. A client is safe to share across threads and forks.
    client = redis.Redis.from_url(url, socket_connect_timeout=1.0, socket_timeout=2.0, retry=Retry(NoBackoff(), 0))
    return EmailSendPacer(
        client=client, per_second=per_second, key_prefix=key_prefix, lease_seconds=lease, patience_seconds=patience
    )


@receiver(setting_changed)
def _forget_on_setting_change(*, setting: str, **kwargs: Any) -> None:
    if setting.startswith("EMAIL_SEND_RATE") or setting == "EMAIL_TIMEOUT":
        _pacer.cache_clear()
