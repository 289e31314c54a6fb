"""The layout stays easy to read: small modules, and no private API of Django where a public one serves."""

import re
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1]
MAX_LINES = 300
# QuerySet members that are Django internals: deletes and caches that skip signals or change between releases.
PRIVATE_QUERYSET = re.compile(r"\._(?:raw_delete|fetch_all|result_cache|chain|clone)\b")


def _application_files() -> list[Path]:
    return [
        path
        for path in sorted(PACKAGE.rglob("*.py"))
        if "tests" not in path.relative_to(PACKAGE).parts and "migrations" not in path.relative_to(PACKAGE).parts
    ]


def test_no_application_module_is_over_300_lines() -> None:
    too_long = {
        str(path.relative_to(PACKAGE)): lines
        for path in _application_files()
        if (lines := len(path.read_text().splitlines())) > MAX_LINES
    }
    assert too_long == {}, f"split these by concern (at most {MAX_LINES} lines each)"


def test_no_private_queryset_api() -> None:
    users = [
        str(path.relative_to(PACKAGE)) for path in _application_files() if PRIVATE_QUERYSET.search(path.read_text())
    ]
    assert users == []


def test_the_private_queryset_pattern_catches_the_raw_queryset_delete() -> None:
    # The check above must be able to fail: the call it was written against still matches.
    assert PRIVATE_QUERYSET.search("Email.objects.filter(pk=1)._raw" + "_delete(using)")
