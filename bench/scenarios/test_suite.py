"""test_suite: wall time of the eager suite, as `make test` runs it on a machine without services.

The quick run (CI's smoke run, after CI has run the whole eager suite) times
one package of it only: it checks that the scenario works, not the figure.
"""

import os
import re
import sys
import time

from bench.harness import Bench, ScenarioResult, run_quietly
from bench.sink import Sink

# Everything that would point the suite at a service (the newcomer's run has
# none), and what the bench runner set for its own Django.
# What the quick run times: a package of the suite with no service, a few seconds long.
QUICK_PART = "styleguide_project/common"
LEFT_OUT = ("DATABASE_URL", "REDIS_URL", "CELERY_BROKER_URL", "EMAIL_URL", "LOG_LEVEL", "STYLEGUIDE_REQUIRE_SERVICES")


def run(bench: Bench, sink: Sink) -> ScenarioResult:
    env = {key: value for key, value in os.environ.items() if key not in LEFT_OUT and not key.startswith("DJANGO_")}
    started = time.perf_counter()
    part = [QUICK_PART] if bench.quick else []
    completed = run_quietly([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *part], env=env)
    seconds = time.perf_counter() - started
    summary = completed.stdout.strip().splitlines()[-1] if completed.stdout.strip() else ""
    if completed.returncode != 0:
        failures = "\n".join(line for line in completed.stdout.splitlines() if line.startswith(("FAILED", "ERROR")))
        raise RuntimeError(f"the eager suite failed (exit {completed.returncode}): {summary}\n{failures}")
    counts = {word: int(number) for number, word in re.findall(r"(\d+) (passed|skipped|deselected)", summary)}
    result = ScenarioResult(
        figures={
            "seconds": round(seconds, 2),
            "passed": counts.get("passed", 0),
            "skipped": counts.get("skipped", 0),
            "deselected": counts.get("deselected", 0),
        }
    )
    what = f"eager suite wall time, {QUICK_PART} only (s)" if bench.quick else "eager suite wall time (s)"
    result.rows.append((what, f"{seconds:.1f}", "", summary))
    return result
