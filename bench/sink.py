"""An SMTP sink for the benchmarks, in a process of its own: it counts what it accepts.

The sink's own CPU must not share the bench driver's interpreter (the driver
measures), so it runs in a spawned process; counts cross over shared memory.
A delay per message stands in for a slow relay (the API scenario).
"""

import asyncio
import multiprocessing
import smtplib
import time
from collections.abc import Iterator
from contextlib import contextmanager
from multiprocessing.sharedctypes import Synchronized
from typing import Any

from testing.processes import free_port, wait_until


class _CountingHandler:
    def __init__(self, count: "Synchronized[int]", delay: float) -> None:
        self.count = count
        self.delay = delay

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802 - aiosmtpd's hook
        if self.delay:
            await asyncio.sleep(self.delay)
        with self.count.get_lock():
            self.count.value += len(envelope.rcpt_tos)
        return "250 OK"


def _serve(port: int, count: "Synchronized[int]", delay: float, ready: Any) -> None:
    from aiosmtpd.controller import Controller

    controller = Controller(_CountingHandler(count, delay), hostname="127.0.0.1", port=port)
    controller.start()
    ready.set()
    try:
        while True:
            time.sleep(3600)
    finally:
        controller.stop()


class Sink:
    """`with Sink.running(delay=0.1) as sink:` ... `sink.count`, `sink.url`."""

    def __init__(self, *, delay: float = 0.0) -> None:
        self.port = free_port()
        self.delay = delay
        context = multiprocessing.get_context("spawn")
        self._count = context.Value("q", 0)
        self._ready = context.Event()
        self._process = context.Process(
            target=_serve, args=(self.port, self._count, delay, self._ready), daemon=True, name="bench-sink"
        )

    @property
    def url(self) -> str:
        return f"smtp://127.0.0.1:{self.port}"

    @property
    def pid(self) -> int:
        pid = self._process.pid
        if pid is None:
            raise RuntimeError("the SMTP sink is not running")
        return pid

    @property
    def count(self) -> int:
        return int(self._count.value)

    def reset(self) -> None:
        with self._count.get_lock():
            self._count.value = 0

    def wait_for(self, count: int, *, timeout: float) -> None:
        wait_until(lambda: self.count >= count, timeout=timeout, interval=0.02, what=f"{count} messages at the sink")

    @classmethod
    @contextmanager
    def running(cls, *, delay: float = 0.0) -> Iterator["Sink"]:
        sink = cls(delay=delay)
        sink._process.start()
        try:
            if not sink._ready.wait(30):
                raise RuntimeError("the SMTP sink did not start")
            yield sink
        finally:
            sink._process.terminate()
            sink._process.join(10)

    def floor_rate(self, *, message: bytes, count: int) -> float:
        """Messages per second one client gets through one reused SMTP connection (the hardware floor)."""
        start_count = self.count
        with smtplib.SMTP("127.0.0.1", self.port, timeout=30) as client:
            started = time.perf_counter()
            for _ in range(count):
                client.sendmail("bench@localhost", ["floor@localhost"], message)
            elapsed = time.perf_counter() - started
        if self.count - start_count != count:
            raise RuntimeError(f"the sink counted {self.count - start_count} of {count} floor messages")
        return count / elapsed
