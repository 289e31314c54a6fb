"""Headless Chromium (Debian's `chromium`) driven by Playwright for Python, for the end-to-end tests.

Playwright's own browser download is never used: it runs the system's
Chromium with the flags that work on a machine with no network but the
package registries, and a fresh profile per test.
"""

import shutil
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import quote

from django.db import connections

from testing.services import service_missing

T = TypeVar("T")

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

# Every change of the bar, its message or the page's state is reported to
# Python as it happens: the page navigates away when the task ends, so polling
# the DOM from the test could miss the last values, or race the navigation.
RECORD_PROGRESS = """
document.addEventListener("DOMContentLoaded", () => {
  const root = document.getElementById("task-progress");
  if (!root) return;
  const bar = document.getElementById("progress-bar");
  const message = document.getElementById("progress-bar-message");
  const report = () => window.reportProgress(
    Number(bar.getAttribute("aria-valuenow")), message.textContent.trim(), root.dataset.state
  );
  report();
  new MutationObserver(report).observe(root, {attributes: true, childList: true, subtree: true, characterData: true});
});
"""


@contextmanager
def chromium_page(profile_dir: Path) -> Iterator[tuple[Any, list[tuple[float, str, str]]]]:
    """A page in a fresh headless Chromium, and the list its progress reports are appended to."""
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        service_missing("needs Playwright for Python: pip install -r requirements/local.txt")
    if not Path(CHROMIUM).exists() or shutil.which(CHROMIUM) is None:
        service_missing(f"needs Chromium at {CHROMIUM}: apt-get install chromium")

    seen: list[tuple[float, str, str]] = []
    with sync_playwright() as playwright:
        context = playwright.chromium.launch_persistent_context(
            user_data_dir=str(profile_dir),
            executable_path=CHROMIUM,
            headless=True,
            args=CHROMIUM_ARGS,
            viewport={"width": 900, "height": 360},
        )
        try:
            page = context.pages[0] if context.pages else context.new_page()
            page.set_default_timeout(60_000)
            page.expose_function(
                "reportProgress", lambda percent, message, state: seen.append((percent, message, state))
            )
            page.add_init_script(RECORD_PROGRESS)
            yield page, seen
        finally:
            context.close()


def log_in(page: Any, *, base_url: str, email: str, password: str, next_path: str) -> None:
    """Log in through the login page, as a person would, and land on `next_path`."""
    page.goto(f"{base_url}/accounts/login/?next={quote(next_path)}")
    page.fill("input[name=username]", email)
    page.fill("input[name=password]", password)
    page.click("#login-form button[type=submit]")
    page.wait_for_url(f"{base_url}{next_path}")


def intermediate_percents(seen: list[tuple[float, str, str]]) -> list[float]:
    """The distinct values strictly between 0 and 100 the bar showed, in order."""
    values: list[float] = []
    for percent, _, _ in seen:
        if 0 < percent < 100 and percent not in values:
            values.append(percent)
    return values


def outside_the_browser_loop(func: Callable[[], T]) -> T:
    """Run database work while the browser is open.

    Playwright's sync API runs an event loop in this thread, and Django refuses
    ORM calls from a thread with a running loop; another thread has none.
    """

    def run() -> T:
        try:
            return func()
        finally:
            connections.close_all()

    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(run).result()
