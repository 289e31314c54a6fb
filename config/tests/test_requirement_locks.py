"""requirements/lock/*.txt, what `make install`, CI and the image install, agree with requirements/*.txt."""

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)(?:\[[^\]]*\])?==([^\s;\\]+)")


def canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def pins(path: Path) -> dict[str, str]:
    """{package: version} pinned in a requirements file and the files it includes with -r."""
    found: dict[str, str] = {}
    for line in path.read_text().splitlines():
        line = line.strip()
        if line.startswith("-r "):
            found |= pins(path.parent / line[3:].strip())
        elif match := PIN.match(line):
            found[canonical(match[1])] = match[2]
    return found


def locked(name: str) -> dict[str, str]:
    return pins(ROOT / "requirements" / "lock" / f"{name}.txt")


@pytest.mark.parametrize("name", ["local", "production"])
def test_every_pin_is_locked_at_its_version(name):
    wanted = pins(ROOT / "requirements" / f"{name}.txt")
    lock = locked(name)

    assert wanted  # the parser found the pins
    stale = {
        package: (version, lock.get(package)) for package, version in wanted.items() if lock.get(package) != version
    }
    assert stale == {}, f"requirements/lock/{name}.txt is out of date (wanted, locked): run `make lock`"


@pytest.mark.parametrize("name", ["local", "production"])
def test_every_locked_package_has_hashes(name):
    text = (ROOT / "requirements" / "lock" / f"{name}.txt").read_text()
    entries = re.split(r"\n(?=[A-Za-z0-9])", text.split("\n", 2)[2])

    assert len(entries) == len(locked(name)) > 10
    assert [entry.split()[0] for entry in entries if "--hash=sha256:" not in entry] == []


def test_the_image_gets_the_versions_the_tests_ran_with():
    local, production = locked("local"), locked("production")

    assert {package: version for package, version in production.items() if local.get(package) != version} == {}
