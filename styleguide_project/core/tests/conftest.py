import pytest

# One line per check of the site's defences (spoofed headers, CSP in a browser), printed at the end of the run.
SECURITY_REPORTS: list[str] = []


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if SECURITY_REPORTS:
        terminalreporter.section("security checks: figures")
        for line in SECURITY_REPORTS:
            terminalreporter.write_line(line)
