"""An SMTP server on loopback that keeps what it receives (aiosmtpd)."""

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email import message_from_bytes
from email.message import Message
from typing import Any

from testing.processes import free_port


@dataclass
class SinkMessage:
    message_id: str
    to: list[str]
    subject: str
    message: Message
    # The client's address and port: one per SMTP session.
    peer: str = ""
    # When the sink accepted it (time.monotonic() of this process).
    received_at: float = field(default_factory=time.monotonic)


@dataclass
class SmtpSink:
    """An aiosmtpd server on loopback that keeps every message it accepts."""

    host: str = "127.0.0.1"
    port: int = field(default_factory=free_port)
    messages: list[SinkMessage] = field(default_factory=list)
    # Set to an SMTP reply such as "451 4.3.0 try later" to refuse messages.
    refuse_with: str | None = None
    delay_seconds: float = 0.0
    _lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def url(self) -> str:
        return f"smtp://{self.host}:{self.port}"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802 - aiosmtpd's hook name
        if self.refuse_with:
            return self.refuse_with
        if self.delay_seconds:
            import asyncio

            await asyncio.sleep(self.delay_seconds)
        message = message_from_bytes(envelope.content)
        with self._lock:
            self.messages.append(
                SinkMessage(
                    message_id=str(message.get("Message-ID", "")),
                    to=list(envelope.rcpt_tos),
                    subject=str(message.get("Subject", "")),
                    message=message,
                    peer=str(session.peer),
                )
            )
        return "250 OK"

    def count(self) -> int:
        with self._lock:
            return len(self.messages)

    @contextmanager
    def running(self) -> Iterator["SmtpSink"]:
        from aiosmtpd.controller import Controller

        controller = Controller(self, hostname=self.host, port=self.port)
        controller.start()
        try:
            yield self
        finally:
            controller.stop()


def highest_in_one_second(times: list[float]) -> int:
    """The most of `times` (seconds) in any window [t, t + 1 s): a relay's "N a second", as it counts."""
    ordered, best, start = sorted(times), 0, 0
    for end, moment in enumerate(ordered):
        while moment - ordered[start] >= 1.0:
            start += 1
        best = max(best, end - start + 1)
    return best
