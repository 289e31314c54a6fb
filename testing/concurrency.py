"""Running test code in several threads at once, each with its own database connection."""

import threading
from collections.abc import Callable

from django.db import connection


def run_at_once(work: Callable[[threading.Barrier], None], *, threads: int = 2, timeout: float = 60) -> None:
    """Run `work` in `threads` threads; each passes the barrier it is given when it is ready to race."""
    start = threading.Barrier(threads)

    def run() -> None:
        try:
            work(start)
        finally:
            # Each thread opened a connection of its own; it must not outlive the thread.
            connection.close()

    running = [threading.Thread(target=run) for _ in range(threads)]
    for thread in running:
        thread.start()
    for thread in running:
        thread.join(timeout=timeout)
