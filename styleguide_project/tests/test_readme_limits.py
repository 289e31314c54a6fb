"""README's "Every limit" table says what the code does: each throttle scope, its variable, default, failure mode."""

import ast
import re
from pathlib import Path

from django.urls import get_resolver

from styleguide_project.api.throttling import FixedWindowRateThrottle

ROOT = Path(__file__).resolve().parents[2]
SETTINGS = ROOT / "config" / "settings" / "rest_framework.py"
# | `scope` | `VARIABLE` | default | what it counts | when the cache is down |
ROW = re.compile(
    r"^\| `(?P<scope>[a-z_]+)` \| `(?P<var>[A-Z_]+)` \| (?P<default>[^|]+?) \|(?P<counts>[^|]+)\| (?P<down>[^|]+?) \|$"
)


def _readme_rows() -> dict[str, dict[str, str]]:
    text = (ROOT / "README.md").read_text()
    section = text.split("\n### Every limit\n", 1)[1].split("\n#", 1)[0]
    return {found["scope"]: found.groupdict() for line in section.splitlines() if (found := ROW.match(line))}


def _shipped_rates() -> dict[str, tuple[str, str]]:
    """scope -> (variable, default) as `THROTTLE_RATES` reads them, whatever this machine's environment says."""
    tree = ast.parse(SETTINGS.read_text())
    [rates] = [
        node.value
        for node in tree.body
        if isinstance(node, ast.Assign) and any(getattr(t, "id", None) == "THROTTLE_RATES" for t in node.targets)
    ]
    assert isinstance(rates, ast.Dict)
    shipped = {}
    for key, value in zip(rates.keys, rates.values, strict=True):
        assert isinstance(key, ast.Constant)
        assert isinstance(value, ast.Call)
        [default] = [keyword.value for keyword in value.keywords if keyword.arg == "default"]
        assert isinstance(value.args[0], ast.Constant)
        assert isinstance(default, ast.Constant)
        shipped[str(key.value)] = (str(value.args[0].value), str(default.value))
    return shipped


def _throttles_by_scope() -> dict[str, type[FixedWindowRateThrottle]]:
    get_resolver().url_patterns  # noqa: B018 - imports every view, and with them every throttle
    found: dict[str, type[FixedWindowRateThrottle]] = {}
    pending = list(FixedWindowRateThrottle.__subclasses__())
    while pending:
        throttle = pending.pop()
        pending.extend(throttle.__subclasses__())
        if throttle.scope and "tests" not in throttle.__module__:
            found[throttle.scope] = throttle
    return found


def test_every_scope_is_in_the_table_with_its_variable_and_default() -> None:
    rows = _readme_rows()
    shipped = _shipped_rates()

    assert set(rows) == set(shipped)
    assert {scope: (row["var"], row["default"]) for scope, row in rows.items()} == shipped


def test_the_table_says_which_limits_fail_closed() -> None:
    rows = _readme_rows()
    throttles = _throttles_by_scope()

    assert set(throttles) == set(rows)
    for scope, throttle in throttles.items():
        assert rows[scope]["down"].startswith("closed" if throttle.fail_open is False else "open"), scope
