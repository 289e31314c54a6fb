"""`make bench` / `make bench-quick`: every scenario, one table, figures in bench/results/.

    python -m bench.run [--quick] [--only bulk_enqueue,pipeline_drain]

Needs PostgreSQL on loopback and the redis-server program (the Makefile
starts the services when they are not running); the run makes its own
database, Redis server and RabbitMQ virtual host and removes them at the
end. Each scenario runs the project's path and its comparison in this one
run, alternating, and reports medians; see docs/benchmarks.md.
"""

import argparse
import importlib
import json
import sys
import time
import traceback
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench.harness import ScenarioResult, bench_services
from bench.sink import Sink
from testing.processes import leftovers_stop

SCENARIOS = (
    "bulk_enqueue",
    "pipeline_drain",
    "paced",
    "api_onboarding",
    "metrics_scrape",
    "outbox",
    "periodic_sync",
    "worker_memory",
    "test_suite",
)
RESULTS = Path(__file__).resolve().parent / "results"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="Smaller sizes: a smoke run in under 2 minutes.")
    parser.add_argument("--only", default="", help=f"Comma-separated scenarios, of: {', '.join(SCENARIOS)}.")
    parser.add_argument("--output", type=Path, default=None, help="Where to write the JSON figures.")
    options = parser.parse_args(argv)

    names = [name for name in options.only.split(",") if name] or list(SCENARIOS)
    unknown = sorted(set(names) - set(SCENARIOS))
    if unknown:
        parser.error(f"unknown scenario(s): {', '.join(unknown)}")
    output = options.output or RESULTS / ("quick.json" if options.quick else "latest.json")

    started = time.monotonic()
    # The run's own database and Redis server, so that a second run at once (or
    # a developer's stack) never sees its keys, its statistics or its database.
    with Sink.running() as sink, bench_services(quick=options.quick, sink_url=sink.url) as bench:
        report: dict[str, Any] = {
            "generated_at": datetime.now(UTC).isoformat(timespec="seconds"),
            "mode": "quick" if options.quick else "full",
            "machine": bench.environment(),
            "scenarios": {},
            "targets": {},
        }
        failed: list[str] = []
        for name in names:
            print(f"== {name}", flush=True)
            scenario_started = time.monotonic()
            module = importlib.import_module(f"bench.scenarios.{name}")
            try:
                bench.flush_redis()
                result: ScenarioResult = module.run(bench, sink)
            except Exception:  # noqa: BLE001 - one failing scenario must not hide the figures of the others
                traceback.print_exc()
                failed.append(name)
                report["scenarios"][name] = {"error": traceback.format_exc(limit=3)}
                continue
            result.figures["scenario_seconds"] = round(time.monotonic() - scenario_started, 1)
            report["scenarios"][name] = result.figures
            report["targets"].update({f"{name}.{t.name}": t.as_dict() for t in result.targets})
            _print_table(name, result)
    # A worker or server a scenario left behind would go on using the bench's
    # services and CPU: the run fails instead.
    leftovers = leftovers_stop()
    if leftovers:
        print("processes still running at the end (killed now):\n  " + "\n  ".join(leftovers), file=sys.stderr)
        failed.append("leftover processes")

    report["total_seconds"] = round(time.monotonic() - started, 1)
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(json.dumps(report, indent=2, sort_keys=False) + "\n")
    missed = [key for key, target in report["targets"].items() if not target["met"]]
    print(f"\n{len(report['targets']) - len(missed)} of {len(report['targets'])} targets met", end="")
    print(f" (missed: {', '.join(missed)})" if missed else "", end="")
    print(f"; {report['total_seconds']:.0f}s in all; figures in {output}")
    if failed:
        print(f"scenarios that failed: {', '.join(failed)}", file=sys.stderr)
        return 1
    return 0


def _print_table(name: str, result: ScenarioResult) -> None:
    header = ("figure", "project", "comparison", "ratio / note")
    rows = [header, *result.rows]
    widths = [max(len(row[i]) for row in rows) for i in range(4)]
    for index, row in enumerate(rows):
        print("  " + "  ".join(cell.ljust(widths[i]) for i, cell in enumerate(row)).rstrip())
        if index == 0:
            print("  " + "  ".join("-" * width for width in widths))
    for target in result.targets:
        mark = "met " if target.met else "MISS"
        sign = ">=" if target.kind == "min" else "<="
        print(f"  [{mark}] {target.description}: {target.value:.3g} {sign} {target.limit:g}")
    print(flush=True)


if __name__ == "__main__":
    sys.exit(main())
