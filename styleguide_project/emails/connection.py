"""One email connection per process (per thread), kept open across messages and tasks.

Django's `EmailMessage.send()` opens a new SMTP connection for every message:
a TCP handshake, EHLO (and TLS, and a login) before the message, QUIT after.
A worker that sends thousands of emails spends most of its time there.
`email_connection_send` keeps one backend open per worker process instead:

- a connection that has been idle for `EMAIL_CONNECTION_IDLE_CHECK_SECONDS`
  is probed with NOOP before use, and reopened when the server has dropped it
  (servers close idle connections after a few minutes);
- any error while sending closes the connection, so the next message (or the
  task's retry) starts from a fresh one, never from a session in an unknown
  state; the error itself goes to the caller, whose retries handle it;
- a connection is reopened after `EMAIL_CONNECTION_MAX_MESSAGES` messages, as
  some relays cap the messages of one session.

A change of an EMAIL_* setting (tests do this) drops the kept connection.
"""

import smtplib
import threading
import time
from typing import Any

from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.core.mail.backends.base import BaseEmailBackend
from django.core.signals import setting_changed
from django.dispatch import receiver


class _Kept(threading.local):
    backend: BaseEmailBackend | None = None
    last_used: float = 0.0
    sent: int = 0


_kept = _Kept()


def email_connection_send(message: EmailMessage) -> None:
    """Send `message` over this process's kept connection; raises what the backend raises."""
    backend = _backend()
    try:
        backend.open()
        if not backend.send_messages([message]):
            # Only a backend set to fail silently gets here: not ours.
            raise smtplib.SMTPException("the email backend sent nothing")
    except BaseException:
        email_connection_close()
        raise
    _kept.last_used = time.monotonic()
    _kept.sent += 1


def email_connection_close() -> None:
    """Close and forget this process's kept connection (if any); never raises."""
    backend, _kept.backend, _kept.sent = _kept.backend, None, 0
    if backend is not None:
        try:
            backend.close()
        except Exception:  # noqa: BLE001, S110 - closing a broken connection may fail; it is dropped either way
            pass


def _backend() -> BaseEmailBackend:
    backend = _kept.backend
    if backend is not None and (_kept.sent >= settings.EMAIL_CONNECTION_MAX_MESSAGES or not _still_open(backend)):
        email_connection_close()
        backend = None
    if backend is None:
        backend = _kept.backend = get_connection(fail_silently=False)
        _kept.sent = 0
    return backend


def _still_open(backend: BaseEmailBackend) -> bool:
    """False when an idle SMTP connection no longer answers (the server hung up)."""
    smtp: smtplib.SMTP | None = getattr(backend, "connection", None)
    if smtp is None or time.monotonic() - _kept.last_used < settings.EMAIL_CONNECTION_IDLE_CHECK_SECONDS:
        return True
    try:
        code, _ = smtp.noop()
    except (smtplib.SMTPException, OSError):
        return False
    return code == 250


@receiver(setting_changed)
def _drop_on_setting_change(*, setting: str, **kwargs: Any) -> None:
    if setting.startswith("EMAIL_"):
        email_connection_close()
