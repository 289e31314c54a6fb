"""Reads about task runs that a user watches: who may see them, and their progress in one shape.

Progress comes from celery-progress (`Progress(AsyncResult).get_info()`), then
is normalised here, so that the HTML page, the JSON the bar polls and the REST
API all agree, whichever way the task reported it:

- `ProgressRecorder(self).set_progress(current, total, description)`: meta
  `{current, total, percent, description}`;
- `self.update_state(state="PROGRESS", meta={"process_percent": 40})`,
  or any meta with some of `current`, `total`, `percent`, `description`.

Counts are never made up: before a run reports one, `total` (and after an
end without a recorded count, `current`) is None, where celery-progress
would say 0 of 100, and after the end the last count the run recorded is
shown, where celery-progress would say 100 of 100.
"""

import logging
import math
import re
from dataclasses import dataclass, field
from datetime import timedelta
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from celery import states
from celery_progress.backend import PROGRESS_STATE, Progress
from django.contrib.auth.models import AnonymousUser
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme

from styleguide_project.task_progress.models import TaskOwnership
from styleguide_project.tasks.app.celery import app as celery_app

if TYPE_CHECKING:
    # Annotations only: the task runs of any AUTH_USER_MODEL are recorded.
    from styleguide_project.users.models import BaseUser

logger = logging.getLogger(__name__)

# Celery's ids are UUIDs and celery-progress's own URL accepts `[\w-]+`;
# anything else cannot name a run, and is answered without a query.
_TASK_ID = re.compile(r"[\w-]{1,255}", re.ASCII)

# What the page and the API show of a task's own text, at most.
DESCRIPTION_MAX_LENGTH = 500
ERROR_MAX_LENGTH = 1000

# Not a Celery state: the run was queued, but its result has been deleted
# (`result_expires`), so nothing is known about it any more.
EXPIRED_STATE = "EXPIRED"

# Celery's own states, and the ones celery-progress adds. Any other state is a
# task's custom `update_state(state=...)`, which means it is still running.
_KNOWN_STATES = states.ALL_STATES | {PROGRESS_STATE, "IGNORED"}


def task_ownership_get(*, task_id: str, user: "BaseUser | AnonymousUser") -> TaskOwnership | None:
    """The ownership of run `task_id` if `user` may watch it: they queued it, or they are staff allowed to view
    every run's ownership (`task_progress.view_taskownership`, the permission of its admin list).

    None for everyone else, for anonymous users, for malformed ids and for runs
    that nobody queued through `task_enqueue_for_user`. Callers answer all of
    these the same way (404), so nobody learns which ids exist. Unlike
    celery-progress's own view, which shows any task to anyone
    (czue/celery-progress#83).
    """
    if not user.is_authenticated or not _TASK_ID.fullmatch(task_id):
        return None
    ownerships = TaskOwnership.objects.filter(task_id=task_id)
    if not (user.is_staff and user.has_perm("task_progress.view_taskownership")):
        ownerships = ownerships.filter(user=user)
    return ownerships.first()


@dataclass(frozen=True)
class TaskProgress:
    task_id: str
    task_name: str
    # A Celery state (PENDING, STARTED, PROGRESS, RETRY, SUCCESS, FAILURE,
    # REVOKED), IGNORED, a task's custom state, or EXPIRED.
    state: str
    # True once the run has ended, however it ended; False while it waits, runs or retries.
    complete: bool
    # True: succeeded; False: failed (or revoked, or expired); None: not ended, or ended without an outcome.
    success: bool | None
    # True while no worker has picked the run up.
    pending: bool
    # The count so far, and the count to reach; None when the run gave none.
    current: int | None
    total: int | None
    percent: float
    description: str
    # The task's return value once it succeeded, else None.
    result: Any
    # A path on this site to send the user to when it succeeded (`result["redirect"]`), or "".
    redirect: str
    # Why it failed, without the traceback, or "".
    error: str
    # What celery-progress's JavaScript bar reads: `Progress.get_info()`, normalised.
    bar_info: dict[str, Any] = field(repr=False)


def task_progress_get(*, ownership: TaskOwnership) -> TaskProgress:
    """The progress of a run that someone queued, as far as the result backend knows it."""
    task_id = ownership.task_id
    result = celery_app.AsyncResult(task_id)
    state = result.state

    if state == states.PENDING and _expired(ownership):
        message = f"This task's record is no longer kept (results are kept for {_duration(_result_expires())})."
        info: dict[str, Any] = {"state": EXPIRED_STATE, "complete": True, "success": False, "result": message}
    elif state not in _KNOWN_STATES:
        # celery-progress declares any other state a failure, but a task that
        # sets its own state with update_state() is still running.
        info = {"state": state, "complete": False, "success": None, "progress": result.info}
    else:
        try:
            info = Progress(result).get_info()
        except (TypeError, ValueError, KeyError, AttributeError):
            # A record that celery-progress cannot read (a RETRY without a
            # traceback, say) must not break the page: show it as running.
            logger.exception("celery-progress could not read task %s in state %s", task_id, state)
            info = {"state": state, "complete": False, "success": None, "progress": {}}

    state = info["state"]
    succeeded = state == states.SUCCESS and info.get("success") is True
    failed = info.get("complete") is True and info.get("success") is False and state != states.RETRY
    value = _safe_result(info.get("result")) if succeeded else None
    error = _error_message(info.get("result")) if failed else ""
    progress = _normalised_progress(info.get("progress"))
    if info.get("complete") is True and state != states.RETRY:
        # celery-progress reports any ended run as 100 of 100: show the run's own last count instead.
        progress["current"], progress["total"] = ownership.progress_current, ownership.progress_total
    if state == states.RETRY:
        retry = info.get("result")
        message = retry.get("message", "") if isinstance(retry, dict) else ""
        progress["description"] = _text(f"Retrying after an error: {message}", DESCRIPTION_MAX_LENGTH)

    bar_info = {**info, "progress": progress}
    if succeeded:
        bar_info["result"] = value
    elif failed:
        bar_info["result"] = error

    return TaskProgress(
        task_id=task_id,
        task_name=ownership.task_name,
        state=state,
        # celery-progress calls a RETRY complete and its JavaScript keeps
        # polling anyway; for everyone else a run that will retry has not ended.
        complete=info.get("complete") is True and state != states.RETRY,
        success=True if succeeded else False if failed else None,
        pending=progress["pending"],
        current=progress["current"],
        total=progress["total"],
        percent=progress["percent"],
        description=progress["description"],
        result=value,
        redirect=value["redirect"] if isinstance(value, dict) and "redirect" in value else "",
        error=error,
        bar_info=bar_info,
    )


def _normalised_progress(raw: Any) -> dict[str, Any]:
    """`{pending, current, total, percent, description}` from whatever a task put in its meta."""
    meta: dict[str, Any] = raw if isinstance(raw, dict) else {}
    pending = meta.get("pending") is True
    current, total = _number(meta.get("current")), _number(meta.get("total"))
    # `process_percent`: a task that reports a percent with update_state().
    percent = _number(meta.get("percent"))
    if percent is None:
        percent = _number(meta.get("process_percent"))

    if pending or current is None or total is None:
        # No count yet (celery-progress fills in 0 of 100 for a run that has
        # not started): a percent alone reads as that many of 100.
        current, total = (percent, 100.0) if percent is not None and not pending else (0.0, None)
    if percent is None:
        percent = 100 * current / total if total else 0.0

    return {
        "pending": pending,
        "current": int(current),
        "total": None if total is None else int(total),
        "percent": round(min(100.0, max(0.0, percent)), 2),
        "description": _text(meta.get("description"), DESCRIPTION_MAX_LENGTH),
    }


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    number = float(value)
    return number if math.isfinite(number) and number >= 0 else None


def _text(value: Any, max_length: int) -> str:
    if value is None:
        return ""
    return str(value)[:max_length]


def _safe_result(value: Any) -> Any:
    """The return value, with a `redirect` kept only if it is a path on this site.

    The page follows `redirect` by itself: an absolute URL or a `javascript:`
    one there would make any task result an open redirect.
    """
    if not isinstance(value, dict) or "redirect" not in value:
        return value
    url = value["redirect"]
    if isinstance(url, str) and _is_site_path(url):
        return value
    logger.warning("Dropped the redirect of a task result, it is not a path on this site: %r", url)
    return {key: item for key, item in value.items() if key != "redirect"}


def _is_site_path(url: str) -> bool:
    """Whether `url` is a path on this site however a browser reads it.

    Browsers drop tabs and newlines anywhere in a URL, trim other control
    characters and spaces, and read a backslash as a slash: `/<TAB>/evil`
    becomes `//evil`, another host. So a path starting with one slash (and
    not a backslash after it) is not enough: it must also hold no control,
    format or space character and no backslash at all, and parse with no
    scheme and no host.
    """
    if not url.startswith("/") or url.startswith(("//", "/\\")):
        return False
    if any(char == "\\" or char.isspace() or not char.isprintable() for char in url):
        return False
    parts = urlsplit(url)
    return not parts.scheme and not parts.netloc and url_has_allowed_host_and_scheme(url, allowed_hosts=None)


def _error_message(value: Any) -> str:
    # celery-progress gives `str(exception)` for a failure, the message alone.
    return _text(value, ERROR_MAX_LENGTH) or "The task failed."


def _result_expires() -> timedelta | None:
    expires = celery_app.conf.result_expires
    if expires is None or isinstance(expires, timedelta):
        return expires
    return timedelta(seconds=float(expires))


def _duration(value: timedelta | None) -> str:
    if value is None:
        return "ever"
    seconds = int(value.total_seconds())
    for unit, size in (("day", 86400), ("hour", 3600), ("minute", 60)):
        if seconds >= size and seconds % size == 0:
            count = seconds // size
            return f"{count} {unit}{'s' if count != 1 else ''}"
    return f"{seconds} seconds"


def _expired(ownership: TaskOwnership) -> bool:
    # A run that is still PENDING long after its result would have been
    # deleted has been forgotten, not delayed: say so instead of waiting forever.
    expires = _result_expires()
    return expires is not None and ownership.created_at < timezone.now() - expires
