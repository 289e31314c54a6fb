"""Figures the integration suites print at the end of a run (pytest captures a test's own output)."""

# {section: [line, ...]}, in the order they were reported.
REPORTS: dict[str, list[str]] = {}


def report(section: str, line: str) -> None:
    """Print `line` under `section` in the run's terminal summary (conftest.py)."""
    REPORTS.setdefault(section, []).append(line)
