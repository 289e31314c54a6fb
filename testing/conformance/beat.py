"""django-celery-beat's own scheduler tests, run against the project's beat scheduler.

    python -m testing.conformance.beat        (or: make conformance-beat)

LockedDatabaseScheduler is django-celery-beat's DatabaseScheduler with a Redis lock and a few
overrides; this shows that it behaves as its parent wherever it does not mean to differ.

1. It downloads the sdist of the django-celery-beat version pinned in requirements/lock/local.txt
   from the package index (pip download), checks it against the lock's hashes and the installed
   package's version, and unpacks its tests (t/ and setup.cfg, not the package: the installed one
   is tested) into a temporary directory.
2. It runs t/unit/test_schedulers.py there with pytest, on upstream's own test settings and
   database (t/proj/settings.py: SQLite, created for the run), beat_plugin.py putting
   LockedDatabaseScheduler in place of DatabaseScheduler, in two modes at once:
   - plain: without REDIS_URL, as in eager development (no lock);
   - locked: taking the beat lock at every tick in the Redis database of REDIS_URL (give it one of
     its own; the run writes only keys under a prefix of its own there, and deletes them).
3. The tests of DIFFERENCES are deselected there, each with its reason (docs/reliability.md,
   "Beat conformance", lists them too), and run apart: each must still fail against the project's
   scheduler and pass against django-celery-beat's own (a deliberate difference), or fail against
   both (upstream's test does not hold with the pinned Celery). A test that would pass does not
   stay on the list.

It prints the counts per mode and exits non-zero on any failure.
"""

import argparse
import hashlib
import importlib.metadata
import json
import os
import re
import shutil
import subprocess
import sys
import tarfile
import tempfile
import uuid
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import redis

ROOT = Path(__file__).resolve().parents[2]
LOCK = ROOT / "requirements" / "lock" / "local.txt"
DOCS = ROOT / "docs" / "reliability.md"
PACKAGE = "django-celery-beat"
UPSTREAM_TESTS = "t/unit/test_schedulers.py"
PLUGIN = "testing.conformance.beat_plugin"
RUN_TIMEOUT_SECONDS = 900

_NO_CLEANUP_ENTRY = (
    "Deliberate: the project's scheduler writes no default entry. django-celery-beat writes Celery's "
    "`celery.backend_cleanup` at every beat start, from standbys too; the project declares its result "
    "cleanup in config/periodic_tasks.py instead."
)
_HEAP_BLOCKING = (
    "Fails with django-celery-beat's own scheduler too: it asserts that a disabled task at the top of the "
    "heap keeps the task behind it from being sent, which the pinned Celery fixed "
    "(https://github.com/celery/celery/issues/7649)."
)


@dataclass(frozen=True)
class Difference:
    test: str
    reason: str
    # Where the test fails: "project" (only against LockedDatabaseScheduler) or "both".
    fails_against: str

    @property
    def node_id(self) -> str:
        return f"{UPSTREAM_TESTS}::{self.test}"


DIFFERENCES = (
    Difference(
        "test_DatabaseSchedulerFromAppConf::test_periodic_task_model_enabled_schedule", _NO_CLEANUP_ENTRY, "project"
    ),
    Difference(
        "test_DatabaseSchedulerFromAppConf::test_periodic_task_model_disabled_schedule", _NO_CLEANUP_ENTRY, "project"
    ),
    Difference("test_DatabaseScheduler::test_all_as_schedule", _NO_CLEANUP_ENTRY, "project"),
    Difference("test_DatabaseScheduler::test_starttime_trigger", _NO_CLEANUP_ENTRY, "project"),
    Difference("test_DatabaseScheduler::test_heap_always_return_the_first_item", _HEAP_BLOCKING, "both"),
)


class ConformanceError(Exception):
    pass


@dataclass
class Run:
    """One pytest run of the upstream tests, started in the background."""

    name: str
    process: subprocess.Popen[bytes]
    log: Path
    report: Path

    def result(self) -> dict:
        try:
            self.process.wait(timeout=RUN_TIMEOUT_SECONDS)
        except subprocess.TimeoutExpired:
            self.process.kill()
            raise ConformanceError(f"{self.name}: still running after {RUN_TIMEOUT_SECONDS} s\n{self.tail()}") from None
        if not self.report.exists():
            raise ConformanceError(
                f"{self.name}: pytest wrote no report (exit {self.process.returncode})\n{self.tail()}"
            )
        return json.loads(self.report.read_text())

    def tail(self, lines: int = 60) -> str:
        return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])


def pinned_sdist() -> tuple[str, set[str]]:
    """The version of the package pinned in the lock, and the lock's sha256 hashes for it."""
    match = re.search(rf"^{PACKAGE}==(\S+)((?:\s*\\\n\s+--hash=sha256:\w+)+)", LOCK.read_text(), re.MULTILINE)
    if match is None:
        raise ConformanceError(f"{LOCK.relative_to(ROOT)} pins no {PACKAGE}")
    return match[1], set(re.findall(r"sha256:(\w+)", match[2]))


def upstream_tests(workdir: Path) -> tuple[str, int]:
    """Download the pinned sdist, check it, unpack its tests into `workdir`; the version, and the marks dropped."""
    version, hashes = pinned_sdist()
    installed = importlib.metadata.version(PACKAGE)
    if installed != version:
        raise ConformanceError(f"{PACKAGE} {installed} is installed, the lock pins {version}: run make install")
    download = workdir / "sdist"
    pip = [sys.executable, "-m", "pip", "download", "--quiet", "--no-deps", "--no-binary", ":all:"]
    subprocess.run([*pip, f"{PACKAGE}=={version}", "--dest", str(download)], check=True)  # noqa: S603
    (sdist,) = download.glob("*.tar.gz")
    if hashlib.sha256(sdist.read_bytes()).hexdigest() not in hashes:
        raise ConformanceError(f"{sdist.name} matches none of the hashes the lock has for {PACKAGE}=={version}")
    with tarfile.open(sdist) as archive:
        top = archive.getmembers()[0].name.split("/")[0]
        wanted = [m for m in archive.getmembers() if m.name.startswith((f"{top}/t/", f"{top}/setup.cfg"))]
        archive.extractall(workdir, members=wanted, filter="data")
    tests = workdir / top / UPSTREAM_TESTS
    if not tests.exists():
        raise ConformanceError(f"the sdist of {PACKAGE}=={version} has no {UPSTREAM_TESTS}")
    return version, _run_on_this_pytest(tests)


def _run_on_this_pytest(tests: Path) -> int:
    # Upstream tests with pytest < 9, which ignored (with a warning) the `django_db` marks its test
    # classes also put on their setup fixtures; pytest 9 refuses a mark on a fixture. The marks had
    # no effect (each class carries the same mark), so they are dropped; the tests are unchanged.
    source, dropped = re.subn(
        r"^([ \t]*)@pytest\.mark\.django_db\n(?=\1@pytest\.fixture\b)", "", tests.read_text(), flags=re.MULTILINE
    )
    tests.write_text(source)
    return dropped


def start(name: str, cwd: Path, *, scheduler: str, redis_url: str, prefix: str, args: list[str]) -> Run:
    log, report = cwd.parent / f"{name}.log", cwd.parent / f"{name}.json"
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "STYLEGUIDE_BEAT_CONFORMANCE_SCHEDULER": scheduler,
        "STYLEGUIDE_BEAT_CONFORMANCE_REDIS_URL": redis_url,
        "STYLEGUIDE_BEAT_CONFORMANCE_KEY_PREFIX": f"{prefix}:{name}",
        "STYLEGUIDE_BEAT_CONFORMANCE_REPORT": str(report),
    }
    env.pop("DJANGO_SETTINGS_MODULE", None)  # upstream's own, from its setup.cfg
    command = [sys.executable, "-m", "pytest", "-p", PLUGIN, "-p", "no:cacheprovider", "-q", "-rfE", *args]
    with log.open("wb") as output:
        process = subprocess.Popen(command, cwd=cwd, env=env, stdout=output, stderr=subprocess.STDOUT)  # noqa: S603
    return Run(name, process, log, report)


def check_mode(run: Run, *, locked: bool) -> tuple[Counter[str], str]:
    """The counts of one mode's run, and what is wrong with it ("" when every test not deselected passed)."""
    result = run.result()
    counts = Counter(result["outcomes"].values())
    counts["deselected"] = len(result["deselected"])
    counts["took the lock"] = len(result["locked"])
    problems = []
    if locked != bool(result["locked"]):
        problems.append(f"the beat lock was taken in {len(result['locked'])} tests")
    missing = sorted({d.node_id for d in DIFFERENCES} - set(result["deselected"]))
    if missing:
        problems.append(f"not in the upstream suite any more, take them off DIFFERENCES: {missing}")
    if not result["outcomes"] or set(counts) - {"passed", "deselected", "took the lock"} or result["exitstatus"] != 0:
        problems.append(f"not every test passed (pytest exit {result['exitstatus']})")
    return counts, "; ".join(problems) + f"\n{run.tail()}" if problems else ""


def check_differences(project: Run, stock: Run) -> str:
    """What is wrong with DIFFERENCES: each test must still fail against the project's scheduler, and pass or
    fail against django-celery-beat's own as listed."""
    against_project, against_stock = project.result()["outcomes"], stock.result()["outcomes"]
    wrong = []
    for difference in DIFFERENCES:
        expected_stock = "failed" if difference.fails_against == "both" else "passed"
        seen = (against_project.get(difference.node_id), against_stock.get(difference.node_id))
        if seen != ("failed", expected_stock):
            wrong.append(f"{difference.test}: against the project's scheduler {seen[0]}, against stock {seen[1]}")
    if not wrong:
        return ""
    return (
        "DIFFERENCES no longer matches what the tests do (update the list, its reasons and docs/reliability.md):\n"
        + "\n".join(wrong)
        + f"\n--- project\n{project.tail(30)}\n--- stock\n{stock.tail(30)}"
    )


def summary(counts: Counter[str]) -> str:
    return ", ".join(f"{counts[key]} {key}" for key in ("passed", "failed", "error", "skipped", "deselected"))


def report(runs: dict[str, Run], *, redis_url: str) -> list[str]:
    """Print the counts per mode and the check of the list; what failed."""
    failures = []
    for name, how in (("plain", "without the lock"), ("locked", f"the Redis lock ({redis_url}) taken in {{}} tests")):
        counts, problem = check_mode(runs[name], locked=name == "locked")
        verdict = "FAILED" if problem else "ok"
        sys.stdout.write(f"  {name + ':':<8}{summary(counts)}; {how.format(counts['took the lock'])}: {verdict}\n")
        if problem:
            failures.append(f"{name}: {problem}")
    problem = check_differences(runs["differences"], runs["stock"])
    deliberate = sum(d.fails_against == "project" for d in DIFFERENCES)
    sys.stdout.write(
        f"  deselected: {deliberate} fail only against the project's scheduler (deliberate differences), "
        f"{len(DIFFERENCES) - deliberate} against django-celery-beat's own too: {'FAILED' if problem else 'ok'}\n"
    )
    return [*failures, problem] if problem else failures


def conformance(*, redis_url: str, keep: bool) -> None:
    undocumented = [d.test for d in DIFFERENCES if d.test not in DOCS.read_text()]
    if undocumented:
        raise ConformanceError(f"{DOCS.relative_to(ROOT)} does not list (under Beat conformance): {undocumented}")
    if not redis_url:
        raise ConformanceError("the locked mode needs Redis: set REDIS_URL (a database of the run's own)")
    client = redis.Redis.from_url(redis_url, socket_timeout=5, socket_connect_timeout=5)
    try:
        client.ping()
    except redis.RedisError as exc:
        raise ConformanceError(f"Redis at {redis_url} is not answering: {exc}") from exc
    prefix = f"styleguide_project:conformance:beat:{uuid.uuid4().hex}"
    workdir = Path(tempfile.mkdtemp(prefix="beat-conformance-"))
    try:
        version, dropped = upstream_tests(workdir)
        (cwd,) = (path for path in workdir.iterdir() if path.is_dir() and path.name != "sdist")
        deselect = [arg for d in DIFFERENCES for arg in ("--deselect", d.node_id)]
        selected = [d.node_id for d in DIFFERENCES]
        runs = {
            "plain": start(
                "plain", cwd, scheduler="project", redis_url="", prefix=prefix, args=[UPSTREAM_TESTS, *deselect]
            ),
            "locked": start(
                "locked", cwd, scheduler="project", redis_url=redis_url, prefix=prefix, args=[UPSTREAM_TESTS, *deselect]
            ),
            "differences": start("differences", cwd, scheduler="project", redis_url="", prefix=prefix, args=selected),
            "stock": start("stock", cwd, scheduler="stock", redis_url="", prefix=prefix, args=selected),
        }
        try:
            sys.stdout.write(
                f"{PACKAGE} {version} (sdist from the package index): its own {UPSTREAM_TESTS} against "
                f"styleguide_project.tasks.periodic.beat.LockedDatabaseScheduler ({dropped} django_db marks on "
                "fixtures dropped, for pytest 9)\n"
            )
            failures = report(runs, redis_url=redis_url)
            if failures:
                raise ConformanceError("\n".join(failures))
        finally:
            for run in runs.values():
                if run.process.poll() is None:
                    run.process.kill()
                    run.process.wait()
    finally:
        for key in client.scan_iter(f"{prefix}:*"):
            client.delete(key)
        if keep:
            sys.stdout.write(f"  kept: {workdir}\n")
        else:
            shutil.rmtree(workdir, ignore_errors=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--redis-url", default=os.environ.get("REDIS_URL", ""), help="default: REDIS_URL")
    parser.add_argument("--keep", action="store_true", help="keep the temporary directory (logs, reports)")
    options = parser.parse_args()
    try:
        conformance(redis_url=options.redis_url, keep=options.keep)
    except (ConformanceError, subprocess.CalledProcessError) as exc:
        sys.stdout.write(f"beat conformance: FAILED\n{exc}\n")
        return 1
    sys.stdout.write("beat conformance: OK\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
