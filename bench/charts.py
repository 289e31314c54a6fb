"""The headline figures of a bench run as PNG charts in docs/, linked from docs/benchmarks.md.

    python -m bench.charts [bench/results/latest.json] [--output docs/bench]

`make bench` draws them after the run. Each chart puts the project beside the
plain styleguide path and, where the run measured one, the floor: throughput
(higher is better) and latency (lower is better), one panel per scenario.
A scenario missing from the results (a run with `--only`) is left out;
matplotlib's Agg backend draws without a display.
"""

import argparse
import json
import sys
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "bench" / "results" / "latest.json"
OUTPUT = ROOT / "docs" / "bench"
COLOURS = {"project": "#1f6feb", "plain": "#8c959f", "floor": "#2da44e", "other": "#bf8700"}

# (scenario, panel title, unit, [(label, figure key, colour)]): bars side by side.
THROUGHPUT = (
    (
        "bulk_enqueue",
        "Queueing emails (no worker)",
        "emails/s",
        [
            ("project", "project_emails_per_second", "project"),
            ("plain", "plain_emails_per_second", "plain"),
        ],
    ),
    (
        "pipeline_drain",
        "Sending queued emails (1 worker)",
        "emails/s",
        [
            ("project", "project_emails_per_second", "project"),
            ("plain", "plain_emails_per_second", "plain"),
            ("floor", "floor_emails_per_second", "floor"),
        ],
    ),
    (
        "api_onboarding",
        "Onboarding API (gunicorn)",
        "requests/s",
        [
            ("queued", "onboarding_queued_rps", "project"),
            ("sent in request", "onboarding_inline_rps", "plain"),
            ("enqueue off", "onboarding_enqueue_off_rps", "floor"),
        ],
    ),
)
LATENCY = (
    (
        "api_onboarding",
        "Onboarding API",
        "ms",
        [
            ("queued p50", "onboarding_queued_p50_ms", "project"),
            ("sent in request p50", "onboarding_inline_p50_ms", "plain"),
            ("queued p99", "onboarding_queued_p99_ms", "project"),
            ("sent in request p99", "onboarding_inline_p99_ms", "plain"),
            ("enqueue off p99", "onboarding_enqueue_off_p99_ms", "floor"),
        ],
    ),
    (
        "metrics_scrape",
        "Onboarding API, /metrics scraped 10/s",
        "ms",
        [
            ("scraped p50", "onboarding_scraped_p50_ms", "other"),
            ("not scraped p50", "onboarding_plain_p50_ms", "plain"),
            ("scraped p99", "onboarding_scraped_p99_ms", "other"),
            ("not scraped p99", "onboarding_plain_p99_ms", "plain"),
        ],
    ),
)


def _panels(report: dict[str, Any], specs: tuple[Any, ...]) -> list[tuple[str, str, list[tuple[str, float, str]]]]:
    panels = []
    for scenario, title, unit, bars in specs:
        figures = report.get("scenarios", {}).get(scenario, {})
        values = [
            (label, figures[key], colour) for label, key, colour in bars if isinstance(figures.get(key), int | float)
        ]
        if values:
            panels.append((title, unit, values))
    return panels


def _draw(panels: list[tuple[str, str, list[tuple[str, float, str]]]], *, title: str, path: Path, log: bool) -> Path:
    figure, axes = plt.subplots(1, len(panels), figsize=(4.2 * len(panels), 3.6), squeeze=False)
    for axis, (panel_title, unit, values) in zip(axes[0], panels, strict=True):
        labels = [label for label, _, _ in values]
        heights = [value for _, value, _ in values]
        bars = axis.bar(labels, heights, color=[COLOURS[colour] for _, _, colour in values])
        axis.bar_label(bars, labels=[f"{value:,.0f}" if value >= 10 else f"{value:.2g}" for value in heights])
        axis.set_title(panel_title, fontsize=10)
        axis.set_ylabel(unit)
        if log:
            axis.set_yscale("log")
        axis.tick_params(axis="x", labelrotation=20, labelsize=8)
        axis.margins(y=0.15)
    figure.suptitle(title)
    figure.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(path, dpi=110)
    plt.close(figure)
    return path


def charts_draw(report: dict[str, Any], *, output: Path = OUTPUT) -> list[Path]:
    """Draw the throughput and latency charts of `report` into `output`; returns the files written."""
    drawn = []
    throughput = _panels(report, THROUGHPUT)
    if throughput:
        title = "Throughput: project, plain styleguide path, floor (higher is better; log scale)"
        drawn.append(_draw(throughput, title=title, path=output / "throughput.png", log=True))
    latency = _panels(report, LATENCY)
    if latency:
        title = "Latency: project beside the plain path (lower is better)"
        drawn.append(_draw(latency, title=title, path=output / "latency.png", log=False))
    return drawn


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("results", nargs="*", type=Path, default=[RESULTS], help="Result files, merged in order.")
    parser.add_argument("--output", type=Path, default=OUTPUT, help="Where to write the PNG files.")
    options = parser.parse_args(argv)
    report: dict[str, Any] = {"scenarios": {}}
    for path in options.results:
        report["scenarios"].update(json.loads(path.read_text()).get("scenarios", {}))
    for path in charts_draw(report, output=options.output):
        print(f"drew {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
