"""bench/charts.py draws the headline figures of a bench run as PNG files, from the results JSON."""

import json
from pathlib import Path

from bench.charts import charts_draw, main

ROOT = Path(__file__).resolve().parents[2]
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def test_draws_throughput_and_latency_from_the_committed_results(tmp_path):
    report = json.loads((ROOT / "bench" / "results" / "latest.json").read_text())

    drawn = charts_draw(report, output=tmp_path)

    assert [path.name for path in drawn] == ["throughput.png", "latency.png"]
    for path in drawn:
        assert path.read_bytes().startswith(PNG_SIGNATURE)
        assert path.stat().st_size > 10_000


def test_a_run_of_one_scenario_draws_only_what_it_measured(tmp_path):
    results = tmp_path / "only.json"
    figures = {"onboarding_scraped_p50_ms": 45.0, "onboarding_plain_p50_ms": 41.0}
    results.write_text(json.dumps({"scenarios": {"metrics_scrape": figures}}))

    assert main([str(results), "--output", str(tmp_path / "charts")]) == 0

    assert sorted(path.name for path in (tmp_path / "charts").iterdir()) == ["latency.png"]


def test_results_without_any_known_figure_draw_nothing(tmp_path):
    assert charts_draw({"scenarios": {"worker_memory": {"scenario_seconds": 45.2}}}, output=tmp_path) == []
    assert list(tmp_path.iterdir()) == []
