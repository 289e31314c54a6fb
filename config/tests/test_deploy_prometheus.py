"""deploy/prometheus/: the rules pass promtool's check and unit tests, the config loads, every alert is
tested and has a runbook, and every metric the rules and the Grafana dashboard read is one /metrics serves."""

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

from testing.services import service_missing

ROOT = Path(__file__).resolve().parents[2]
PROMETHEUS = ROOT / "deploy" / "prometheus"
DASHBOARD = ROOT / "deploy" / "grafana" / "styleguide_project.json"
COLLECTORS = ROOT / "styleguide_project" / "metrics" / "collectors.py"
# Metrics the rules may read that are not the project's: Prometheus's own per-target series.
PROMETHEUS_OWN = {"up"}
FLOWER_PREFIX = "flower_"


def promtool() -> str:
    path = shutil.which("promtool")
    if path is None:
        service_missing("needs promtool: apt-get install prometheus (.ci/services.sh ensure_prometheus)")
    return path


def run(*args: str, cwd: Path = PROMETHEUS) -> str:
    result = subprocess.run([promtool(), *args], cwd=cwd, capture_output=True, text=True, timeout=60)  # noqa: S603
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


def alert_rules() -> list[dict]:
    groups = yaml.safe_load((PROMETHEUS / "alerts.yml").read_text())["groups"]
    return [rule for group in groups for rule in group["rules"]]


def exported_metric_names() -> set[str]:
    """The names the collector defines (each through `gauge("<name>", ...)`)."""
    return {f"styleguide_{name}" for name in re.findall(r'gauge\(\s*"([a-z0-9_]+)"', COLLECTORS.read_text())}


def metric_names_in(expr: str) -> set[str]:
    without_strings = re.sub(r'"[^"]*"', "", expr)
    without_labels = re.sub(r"\{[^}]*\}", "", without_strings)
    # Grouping clauses name labels, not metrics.
    without_labels = re.sub(r"\b(by|without|on|ignoring)\s*\([^)]*\)", "", without_labels)
    words = set(re.findall(r"\b[a-z_][a-z0-9_]*\b", without_labels))
    functions = {"or", "and", "unless", "offset", "by", "without", "on", "ignoring", "sum", "max", "min", "avg"}
    functions |= {"rate", "increase", "delta", "max_over_time", "min_over_time", "count", "topk", "absent"}
    return {word for word in words if (word not in functions and "_" in word) or word in PROMETHEUS_OWN}


def test_promtool_checks_the_rules():
    assert "SUCCESS: 8 rules found" in run("check", "rules", "alerts.yml")


def test_promtool_unit_tests_pass():
    assert "SUCCESS" in run("test", "rules", "alerts_test.yml")


def test_the_scrape_config_loads(tmp_path):
    token, password = tmp_path / "token", tmp_path / "flower_password"
    token.write_text("a-token\n")
    password.write_text("a-password\n")
    config = (
        (PROMETHEUS / "prometheus.yml")
        .read_text()
        .replace("/etc/prometheus/styleguide_metrics_token", str(token))
        .replace("/etc/prometheus/styleguide_flower_password", str(password))
    )
    (tmp_path / "prometheus.yml").write_text(config)
    shutil.copy(PROMETHEUS / "alerts.yml", tmp_path / "alerts.yml")

    assert "SUCCESS" in run("check", "config", "prometheus.yml", cwd=tmp_path)


def test_every_alert_has_a_one_line_runbook_and_a_unit_test():
    tested = set(re.findall(r"alertname: (\S+)", (PROMETHEUS / "alerts_test.yml").read_text()))
    for rule in alert_rules():
        runbook = rule["annotations"]["runbook"]
        assert runbook.strip(), rule["alert"]
        assert "\n" not in runbook, rule["alert"]
        assert rule["alert"] in tested, f"{rule['alert']} has no unit test in alerts_test.yml"


def test_the_rules_read_only_metrics_that_metrics_serves():
    exported = exported_metric_names()
    assert "styleguide_queue_oldest_message_age_seconds" in exported
    for rule in alert_rules():
        unknown = metric_names_in(rule["expr"]) - exported - PROMETHEUS_OWN
        assert not unknown, f"{rule['alert']} reads {unknown}, which /metrics does not serve"


def test_the_grafana_dashboard_reads_only_served_metrics():
    dashboard = json.loads(DASHBOARD.read_text())
    exported = exported_metric_names()
    exprs = [target["expr"] for panel in dashboard["panels"] for target in panel.get("targets", [])]
    assert len(exprs) >= 8
    read = set()
    for expr in exprs:
        names = metric_names_in(expr)
        assert names, f"no metric in {expr!r}"
        read |= names
        unknown = {name for name in names - exported - PROMETHEUS_OWN if not name.startswith(FLOWER_PREFIX)}
        assert not unknown, f"the dashboard reads {unknown}, which /metrics does not serve"
    # Every alert's metric is on the dashboard, so what pages someone can be looked at.
    for rule in alert_rules():
        assert metric_names_in(rule["expr"]) - PROMETHEUS_OWN <= read | PROMETHEUS_OWN, rule["alert"]


def test_the_name_check_can_fail():
    assert metric_names_in('styleguide_nope_seconds{queue="x"} > 3') == {"styleguide_nope_seconds"}
    assert "styleguide_nope_seconds" not in exported_metric_names()
    with pytest.raises(AssertionError):
        assert not metric_names_in("styleguide_nope_seconds > 1") - exported_metric_names()
