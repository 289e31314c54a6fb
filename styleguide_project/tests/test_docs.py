"""README.md and docs/*.md say only what the code has.

What counts as a claim (inside backticks, in running text or code blocks alike):
- a setting: an UPPER_SNAKE word (`EMAIL_SEND_BATCH_SIZE`) must be a setting the
  project assigns in `config/`, one of Django's, DRF's or Celery's (`CELERY_<key>`),
  or an environment variable the code or a script reads or `.env*.example` documents;
- a command: `manage.py <command>` (anywhere in the text) must be a management command;
  `make <target>` a target of the Makefile;
- a path: a word whose first part is an entry of the repository (`config/gunicorn.py`,
  `docs/`), or an app of the project followed by a module or folder
  (`tasks/outbox/guard.py`), must exist; `path.py::test_name` names a test in it;
- a task: `<app label>.<name>` (`emails.email_send_batch`) must be a registered task;
- a periodic task: a quoted `"Area: what it does"` must be a declared periodic task;
- a module: `styleguide_project.x.y` or `config.x.y` (with `:Attribute`) must import.

A ```text code block is a recording of a program's output, kept as printed, and not read.
The lists written from the code (`<!-- docs:NAME -->` blocks, testing/docs.py) must
be what `make docs` writes now. The counts of what was checked are in the run's summary.
"""

import ast
import importlib
import importlib.util
import itertools
import re
from collections import Counter
from pathlib import Path

import pytest
from django.apps import apps
from django.conf import global_settings, settings
from django.core.management import get_commands

from styleguide_project.tasks.app.celery import app as celery_app
from testing.docs import ROOT, documentation_files, render
from testing.reports import report

BACKTICKED = re.compile(r"`([^`\n]+)`")
SETTING = re.compile(r"[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+")
MANAGE = re.compile(r"manage\.py\s+([a-z_]+)")
MAKE = re.compile(r"^make ([a-z][a-z-]*)$")
MODEL_PERMISSION = re.compile(r"([a-z_]+)\.(?:add|change|delete|view)_[a-z_]+")
PERIODIC_NAME = re.compile(r'"((?:Emails|Tasks|Users|Campaigns): [^"\n]+)"')
MODULE = re.compile(r"^((?:styleguide_project|config)(?:\.[a-z_][a-z0-9_]*)+)(?::([A-Za-z_][A-Za-z0-9_]*))?$")
ENV_READ = re.compile(
    r"""(?:\benv(?:\.[a-z_]+)?\(|environ(?:\.get)?\(|environ\[|getenv\(|environ\.setdefault\()\s*["']([A-Z][A-Z0-9_]+)["']"""
)
SHELL_VAR = re.compile(r"\$[{(]?([A-Z][A-Z0-9_]+)")
ENV_EXAMPLE = re.compile(r"^#?\s*([A-Z][A-Z0-9_]+)=", re.MULTILINE)
# Names other programs define: a key of a DATABASES entry (Django); the
# environment variable with which Celery's worker remaps SIGTERM.
OTHER_NAMES = {"DISABLE_SERVER_SIDE_CURSORS", "REMAP_SIGTERM"}
TOP_LEVEL = {path.name for path in ROOT.iterdir() if path.name not in {".git", ".venv"}}


def _texts() -> dict[str, str]:
    return {str(path.relative_to(ROOT)): path.read_text() for path in documentation_files()}


def _backticked(texts: dict[str, str]) -> list[tuple[str, str]]:
    """(file, text) of every backticked span, and every word of the code blocks but recorded output."""
    found = []
    for name, text in texts.items():
        found += [(name, span) for span in BACKTICKED.findall(text)]
        in_block = recording = False
        for line in text.splitlines():
            if line.startswith("```"):
                in_block = not in_block
                # A ```text block is a recording of a program's output, kept as it was printed.
                recording = in_block and line.strip() == "```text"
            elif in_block and not recording:
                found += [(name, word) for word in line.split()]
    return found


def _source_files() -> list[Path]:
    files = [ROOT / "conftest.py", ROOT / "Makefile", ROOT / "Procfile.dev", *ROOT.glob("docker-compose*.yml")]
    for folder in ("config", "styleguide_project", "testing", "bench", "docker", ".ci", "deploy"):
        files += [path for path in (ROOT / folder).rglob("*") if path.is_file() and path.suffix not in {".pyc", ".png"}]
    return files


def _known_settings() -> set[str]:
    names = {name for name in dir(global_settings) if name.isupper()}
    names |= {name for name in dir(settings) if name.isupper()}
    for path in (ROOT / "config").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            targets = node.targets if isinstance(node, ast.Assign) else [getattr(node, "target", None)]
            names |= {target.id for target in targets if isinstance(target, ast.Name) and target.id.isupper()}
    from rest_framework.settings import DEFAULTS

    names |= set(DEFAULTS)
    from celery.app.defaults import DEFAULTS as CELERY_DEFAULTS

    names |= {f"CELERY_{key.upper()}" for key in CELERY_DEFAULTS}
    # Flower reads FLOWER_<OPTION> from the environment for each of its options.
    from flower.options import options

    names |= {"FLOWER_" + option.upper().replace("-", "_") for option in options._options}
    return names | OTHER_NAMES


def _known_environment_variables() -> set[str]:
    names: set[str] = set()
    for path in _source_files():
        try:
            text = path.read_text()
        except UnicodeDecodeError:
            continue
        names |= set(ENV_READ.findall(text))
        if path.suffix not in {".py", ".json"}:
            names |= set(SHELL_VAR.findall(text))
    for path in ROOT.glob(".env*.example"):
        names |= set(ENV_EXAMPLE.findall(path.read_text()))
    return names


def _expand(path: str) -> list[str]:
    """`requirements/{base,local}.txt` -> each; other paths as they are."""
    match = re.search(r"\{([^{}]+)\}", path)
    if not match:
        return [path]
    return list(
        itertools.chain.from_iterable(
            _expand(path[: match.start()] + option + path[match.end() :]) for option in match[1].split(",")
        )
    )


def _path_claim(word: str) -> str | None:
    """The repository path a word claims, or None when the word is not a path of ours."""
    # A command line claims its program; `file.py:41` its line.
    word = re.sub(r":\d+$", "", word.split(" ", 1)[0].strip("\"'").rstrip(".,;:)"))
    if "<" in word or "..." in word or "://" in word or "=" in word or word.startswith(("/", "~")):
        return None
    first = word.split("/", 1)[0].split("::", 1)[0]
    if "/" not in word and "::" not in word and first not in {"Makefile", "Procfile.dev", "manage.py"}:
        return None
    if first in TOP_LEVEL:
        return word
    app_folders = {path.name for path in (ROOT / "styleguide_project").iterdir() if path.is_dir()}
    if first in app_folders and "/" in word and (word.endswith((".py", "/")) or "::" in word):
        return f"styleguide_project/{word}"
    return None


def _path_problem(claim: str, line: int | None = None) -> str | None:
    path, _, test = claim.partition("::")
    for each in _expand(path):
        matches = list(ROOT.glob(each)) if "*" in each else [ROOT / each]
        if not matches or not all(match.exists() or _ignored(each) for match in matches):
            return f"{each} does not exist"
        if line is not None and len((ROOT / each).read_text().splitlines()) < line:
            return f"{each} has no line {line}"
        if test and not re.search(rf"^\s*(?:async )?def {re.escape(test)}\(", (ROOT / each).read_text(), re.M):
            return f"{each} has no test {test}"
    return None


def _ignored(path: str) -> bool:
    """A generated output (bench results, ...) the repository ignores: named in .gitignore."""
    ignored = [line.strip().lstrip("/") for line in (ROOT / ".gitignore").read_text().splitlines()]
    return any(line and not line.startswith("#") and Path(path).match(line) for line in ignored)


def _makefile_targets() -> set[str]:
    heads = re.findall(r"^([a-z][a-z -]*):", (ROOT / "Makefile").read_text(), re.MULTILINE)
    return {target for head in heads for target in head.split()}


def _problems(texts: dict[str, str]) -> tuple[set[str], Counter[str]]:
    """What in `texts` ({file: text}) the code does not have, and how many claims of each kind were checked."""
    known_settings = _known_settings()
    known_environment = _known_environment_variables()
    commands = set(get_commands())
    targets = _makefile_targets()
    labels = {config.label for config in apps.get_app_configs() if config.name.startswith("styleguide_project")}
    celery_app.loader.import_default_modules()
    tasks = set(celery_app.tasks)
    from styleguide_project.tasks.management.commands.setup_periodic_tasks import declared_periodic_tasks

    periodic = {item.name for item in declared_periodic_tasks()}
    # Django's model permissions, as staff are granted them ("<app_label>.<action>_<model>").
    permissions = {
        f"{model._meta.app_label}.{codename}"
        for model in apps.get_models()
        for codename in [f"{action}_{model._meta.model_name}" for action in model._meta.default_permissions]
        + [codename for codename, _ in model._meta.permissions]
    }
    checked: Counter[str] = Counter()
    problems: set[str] = set()

    for name, span in _backticked(texts):
        for word in set(SETTING.findall(span)):
            if not SETTING.fullmatch(span.strip("`$={}")) and not re.search(rf"\b{word}=|\${{?{word}\b", span):
                # An UPPER_SNAKE word inside a longer span is a setting only as `NAME=...` or `$NAME`.
                continue
            checked["settings and variables"] += 1
            if word not in known_settings and word not in known_environment:
                problems.add(f"{name}: `{span}`: no setting or environment variable {word}")
        if make := MAKE.match(span):
            checked["make targets"] += 1
            if make[1] not in targets:
                problems.add(f"{name}: `{span}`: the Makefile has no target {make[1]}")
        if (claim := _path_claim(span)) is not None:
            checked["paths"] += 1
            line = re.search(r"\.py:(\d+)\b", span)
            if problem := _path_problem(claim, int(line[1]) if line else None):
                problems.add(f"{name}: `{span}`: {problem}")
        if (permission := MODEL_PERMISSION.fullmatch(span)) and permission[1] in labels:
            checked["model permissions"] += 1
            if span not in permissions:
                problems.add(f"{name}: `{span}`: no model permission of that name")
        elif (task := re.fullmatch(r"([a-z_]+)\.([a-z_]+)", span)) and task[1] in labels:
            checked["task names"] += 1
            if span not in tasks:
                problems.add(f"{name}: `{span}`: no registered task of that name")
        if module := MODULE.match(span):
            checked["modules"] += 1
            if importlib.util.find_spec(module[1]) is None:
                problems.add(f"{name}: `{span}`: no module {module[1]}")
            elif module[2] and not hasattr(importlib.import_module(module[1]), module[2]):
                problems.add(f"{name}: `{span}`: {module[1]} has no {module[2]}")

    for name, text in texts.items():
        for command in MANAGE.findall(text):
            checked["management commands"] += 1
            if command not in commands:
                problems.add(f"{name}: manage.py {command}: no such management command")
        for periodic_name in PERIODIC_NAME.findall(text):
            checked["periodic task names"] += 1
            if periodic_name not in periodic:
                problems.add(f'{name}: "{periodic_name}": no declared periodic task of that name')
    return problems, checked


def test_the_documentation_names_only_what_the_code_has() -> None:
    problems, checked = _problems(_texts())
    report(
        "docs: README.md and docs/*.md against the code",
        f"{len(documentation_files())} files; checked "
        + ", ".join(f"{n} {what}" for what, n in sorted(checked.items())),
    )
    assert sorted(problems) == [], "\n".join(sorted(problems))
    # Each kind of claim was found at least once: a pattern that matches nothing checks nothing.
    assert set(checked) == {
        "settings and variables",
        "make targets",
        "paths",
        "task names",
        "model permissions",
        "modules",
        "management commands",
        "periodic task names",
    }


def test_each_kind_of_claim_fails_when_the_code_does_not_have_it() -> None:
    invented = (
        "`EMAIL_SEND_BATCH_SIZES`, `make tests`, `config/settings/mail.py`, `emails.email_send_batches`,\n"
        "`styleguide_project.emails.services.delivery:email_send_batches`, `manage.py setup_periodic_task`,\n"
        '"Tasks: delete expired everything", `emails.view_emails`.\n'
    )
    problems, checked = _problems({"invented.md": invented})
    # One problem per invented claim (`manage.py` itself is a path that exists).
    assert len(problems) == len(checked) == 8, sorted(problems)


def test_the_lists_written_from_the_code_are_current() -> None:
    stale, blocks = [], 0
    for name, text in _texts().items():
        rendered, names = render(text)
        blocks += len(names)
        if rendered != text:
            stale.append(name)
    report("docs: README.md and docs/*.md against the code", f"{blocks} lists written from the code, all current")
    assert stale == [], "run `make docs` and commit the result"
    assert blocks >= 3


def test_the_layout_lists_every_settings_module() -> None:
    row = next(line for line in (ROOT / "README.md").read_text().splitlines() if "`config/settings/*.py`" in line)
    listed = set(BACKTICKED.findall(row.split("|")[2]))
    modules = {path.stem for path in (ROOT / "config" / "settings").glob("*.py") if path.stem != "__init__"}
    assert listed == modules


def test_the_ci_paragraph_names_the_steps_in_the_order_ci_runs_them() -> None:
    readme = (ROOT / "README.md").read_text()
    paragraph = readme[readme.index("- `bash .ci/run`") :].split("\n- ", 1)[0].split("\n\n", 1)[0]
    said = re.findall(r"`make ([a-z-]+)", paragraph)
    run = re.findall(r"^[^#\n]*\bmake ([a-z-]+)", (ROOT / ".ci" / "run").read_text(), re.MULTILINE)
    assert len(said) >= 3
    # What the README says, in its order, is what CI runs, in CI's order (CI may run more).
    positions = [run.index(target) for target in said if target in run]
    assert len(positions) == len(said), (said, run)
    assert positions == sorted(positions), (said, run)


def test_the_deploy_guide_lists_every_queue() -> None:
    guide = (ROOT / "docs" / "deploy.md").read_text()
    rows = set(re.findall(r"^\| `([a-z_]+)` \|", guide, re.MULTILINE))
    assert set(settings.TASK_QUEUES) <= rows


@pytest.mark.parametrize(
    ("word", "problem"),
    [
        ("config/gunicorn.py", None),
        ("config/nothing.py", "config/nothing.py does not exist"),
        ("requirements/lock/{local,production}.txt", None),
        ("requirements/lock/{local,staging}.txt", "requirements/lock/staging.txt does not exist"),
        ("tasks/outbox/guard.py", None),
        ("tasks/outbox/nothing.py", "styleguide_project/tasks/outbox/nothing.py does not exist"),
        ("styleguide_project/tests/test_docs.py::test_the_layout_lists_every_settings_module", None),
        ("styleguide_project/tests/test_docs.py::test_nothing", "styleguide_project/tests/test_docs.py has no test"),
        ("bench/results/quick.json", None),
    ],
)
def test_a_path_claim_fails_when_the_path_is_not_there(word: str, problem: str | None) -> None:
    claim = _path_claim(word)
    assert claim is not None
    found = _path_problem(claim)
    assert (found is None) if problem is None else (found is not None and found.startswith(problem))


def test_words_that_are_not_paths_are_not_claims() -> None:
    assert [_path_claim(word) for word in ("amqp://", "<app>/views.py", "t/unit/test_schedulers.py", "app/")] == [
        None
    ] * 4
