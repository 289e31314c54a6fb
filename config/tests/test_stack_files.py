"""The files that run the stack: the compose files, the Dockerfile, Procfile.dev and docker/ scripts.

No Docker engine runs here, so these are read, not run: every command names
a script, module, management command or installed program that exists, every
variable they use is documented in .env.example, nothing runs as root, and
exactly one beat runs in each way of starting the stack.
"""

import importlib.util
import os
import re
import shlex
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from django.core.management import get_commands

ROOT = Path(__file__).resolve().parents[2]
COMPOSE_FILES = {"docker-compose.yml": "production", "docker-compose.dev.yml": "local"}
SCRIPTS = sorted(path for path in (ROOT / "docker").iterdir() if path.is_file() and path.name.startswith("start-"))

# Programs the image gets from a pinned requirement, and the package that installs each.
PROGRAM_PACKAGES = {"celery": "celery", "gunicorn": "gunicorn", "watchfiles": "watchfiles", "honcho": "honcho"}
SHELL_PROGRAMS = {"sh", "python", "exec", "shift", "eval", "if", "then", "fi"}
# A `case` statement's own lines: its head, each pattern and its end.
CASE_SYNTAX = re.compile(r"^\s*(case\s.*\sin|[\w*|-]+\)|esac)\s*$")

VARIABLE = re.compile(r"(?<!\$)\$\{?([A-Z_][A-Z0-9_]*)")
REPO_PATH = re.compile(r"^(?:docker|config|styleguide_project|requirements)/[\w./-]+$")


def compose(name: str) -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load((ROOT / name).read_text())
    return data


def documented_variables() -> set[str]:
    return set(re.findall(r"^#?\s*([A-Z][A-Z0-9_]*)=", (ROOT / ".env.example").read_text(), re.MULTILINE))


def pinned_packages(requirements: str) -> set[str]:
    """Packages pinned in requirements/<name>.txt and the files it includes (`-r`)."""
    names: set[str] = set()
    for line in (ROOT / "requirements" / f"{requirements}.txt").read_text().splitlines():
        line = line.split("#")[0].strip()
        if line.startswith("-r "):
            names |= pinned_packages(line[3:].strip().removesuffix(".txt"))
        elif "==" in line:
            names.add(re.split(r"[\[=]", line)[0].lower())
    return names


def shell_commands(text: str) -> Iterator[list[str]]:
    """The simple commands in a line of shell, split on `&&`, `||` and `;`."""
    for part in re.split(r"&&|\|\||;", text):
        words = shlex.split(part)
        while words and (words[0] == "exec" or re.match(r"^[A-Z_]+=", words[0])):
            words = words[1:]
        if words and not words[0].startswith(("#", ":", "set")):
            yield words


def script_commands(path: Path) -> Iterator[list[str]]:
    text = path.read_text().replace("\\\n", " ")
    # A script calls its neighbours through its own directory.
    text = re.sub(r'"\$\(dirname "\$0"\)/([^"]+)"', rf"{path.parent.name}/\1", text)
    for line in text.splitlines()[1:]:
        if line.strip() and not line.strip().startswith("#") and not CASE_SYNTAX.match(line):
            yield from shell_commands(line)


def service_commands(service: dict[str, Any]) -> Iterator[list[str]]:
    for key in ("entrypoint", "command"):
        value = service.get(key)
        if isinstance(value, str):
            yield from shell_commands(value)
        elif value:
            yield [str(word) for word in value]
    test = service.get("healthcheck", {}).get("test")
    if test and test[0] == "CMD":
        yield [str(word) for word in test[1:]]
    elif test and test[0] == "CMD-SHELL":
        yield from shell_commands(test[1].replace("$$", "$"))


def procfile() -> dict[str, str]:
    lines = (ROOT / "Procfile.dev").read_text().splitlines()
    return dict(line.split(":", 1) for line in lines if re.match(r"^[a-z-]+:", line))


def problems_in(command: list[str], *, requirements: str) -> Iterator[str]:
    """What in `command` names something that does not exist in the repository or the image."""
    program, *args = command
    if "/" in program:
        path = ROOT / program
        if not (path.is_file() and os.access(path, os.X_OK)):
            yield f"{program} is not an executable file in the repository"
    elif program in PROGRAM_PACKAGES:
        if PROGRAM_PACKAGES[program] not in pinned_packages(requirements):
            yield f"{program} is not pinned in requirements/{requirements}.txt"
    elif program not in SHELL_PROGRAMS:
        yield f"unknown program {program!r}"

    if program == "sh" and args[:1] == ["-c"]:
        for inner in shell_commands(args[1]):
            yield from problems_in(inner, requirements=requirements)
    if program == "eval" and args[0].startswith("$(") and args[0].endswith(")"):
        for inner in shell_commands(args[0][2:-1]):
            yield from problems_in(inner, requirements=requirements)
    if program == "watchfiles":
        target, *watched = watchfiles_positional(args)
        for inner in shell_commands(target):
            yield from problems_in(inner, requirements=requirements)
        for folder in watched:
            if not (ROOT / folder).is_dir():
                yield f"watchfiles watches {folder}, which does not exist"

    for arg, following in zip(args, [*args[1:], ""], strict=False):
        if REPO_PATH.match(arg) and not (ROOT / arg).exists():
            yield f"{arg} does not exist"
        if arg == "-A" and importlib.util.find_spec(following) is None:
            yield f"Celery app module {following} does not exist"
        if arg == "manage.py" and following not in get_commands():
            yield f"manage.py has no command {following!r}"
        if re.match(r"^[a-z_.]+:[a-z_]+$", arg) and importlib.util.find_spec(arg.split(":")[0]) is None:
            yield f"module of {arg} does not exist"


def watchfiles_positional(args: list[str]) -> list[str]:
    """The target and the watched paths: what is left once options and their values are taken out."""
    takes_value = {"--filter", "--target-type", "--ignore-paths", "--args", "--verbosity", "--grace-period"}
    positional, skip = [], False
    for arg in args:
        if skip:
            skip = False
        elif arg in takes_value:
            skip = True
        elif not arg.startswith("-"):
            positional.append(arg)
    return positional


def all_commands() -> Iterator[tuple[str, list[str], str]]:
    """(where, command, requirements file of the environment it runs in) for every command we ship."""
    for name, requirements in COMPOSE_FILES.items():
        for service_name, service in compose(name)["services"].items():
            if "build" in service:
                for command in service_commands(service):
                    yield f"{name} {service_name}", command, requirements
    for process, line in procfile().items():
        for command in shell_commands(line):
            yield f"Procfile.dev {process}", command, "local"
    for script in [*SCRIPTS, ROOT / "docker" / "release"]:
        for command in script_commands(script):
            yield f"docker/{script.name}", command, "production"


def test_the_checks_see_every_process():
    # Guards the parsers: an empty walk would let every test below pass.
    where = {place for place, _, _ in all_commands()}

    assert {"docker-compose.yml web", "docker-compose.yml worker-bulk", "docker-compose.dev.yml worker-beat"} <= where
    assert {"Procfile.dev web", "Procfile.dev worker-bulk", "Procfile.dev beat", "Procfile.dev flower"} <= where
    assert {"docker/start-web", "docker/release", "docker/start-beat", "docker/start-flower"} <= where


def test_every_command_names_something_that_exists():
    problems = [
        f"{where}: {problem}"
        for where, command, requirements in all_commands()
        for problem in problems_in(command, requirements=requirements)
    ]

    assert problems == []


def test_the_checker_catches_what_does_not_exist():
    bad = [
        ["docker/start-nothing"],
        ["celery", "-A", "styleguide_project.nothing", "worker"],
        ["python", "manage.py", "no_such_command"],
        ["gunicorn", "--config", "config/nothing.py", "config.nothing:application"],
        ["watchfiles", "--filter", "python", "docker/start-worker", "nowhere"],
    ]

    found = [list(problems_in(command, requirements="production")) for command in bad]

    assert all(found), found
    assert list(problems_in(["watchfiles", "x"], requirements="production")) != []  # not in production.txt


@pytest.mark.parametrize("name", [*COMPOSE_FILES, "Procfile.dev", *[f"docker/{script.name}" for script in SCRIPTS]])
def test_every_variable_used_is_in_env_example(name):
    used = set(VARIABLE.findall((ROOT / name).read_text()))

    assert used - documented_variables() == set()


@pytest.mark.parametrize("name", COMPOSE_FILES)
def test_no_service_runs_as_root(name):
    dockerfile_user = re.findall(r"^USER\s+(\S+)", (ROOT / "docker" / "Dockerfile").read_text(), re.MULTILINE)[-1]
    app_uid = re.search(r"useradd .*--uid (\d+)", (ROOT / "docker" / "Dockerfile").read_text())

    assert dockerfile_user.split(":")[0] not in {"root", "0"}
    assert app_uid is not None
    for service_name, service in compose(name)["services"].items():
        user = str(service.get("user", ""))
        assert user, f"{service_name} does not set a user"
        assert user.split(":")[0] not in {"root", "0"}, service_name
        assert not service.get("privileged"), service_name
        assert not service.get("cap_add"), service_name
        if "build" in service:
            assert user == f"{app_uid[1]}:{app_uid[1]}", f"{service_name} does not run as the image's app user"


def runs_beat(service: dict[str, Any]) -> bool:
    return any(
        "docker/start-beat" in word or "--beat" in word for command in service_commands(service) for word in command
    )


def test_production_runs_exactly_one_beat():
    services = compose("docker-compose.yml")["services"]

    assert [name for name, service in services.items() if runs_beat(service)] == ["beat"]
    assert "deploy" not in services["beat"] or services["beat"]["deploy"].get("replicas", 1) == 1


def test_development_runs_one_beat_by_default_and_the_single_container_variant_alone():
    services = compose("docker-compose.dev.yml")["services"]
    default = {name: service for name, service in services.items() if not service.get("profiles")}

    assert [name for name, service in default.items() if runs_beat(service)] == ["beat"]
    # `up web worker-beat` starts only what it names and their dependencies: one beat, inside the worker.
    single = services["worker-beat"]
    assert runs_beat(single)
    assert single["profiles"] == ["single"]
    assert not any(runs_beat(services[name]) for name in single["depends_on"])


@pytest.mark.parametrize("name", COMPOSE_FILES)
def test_dependencies_wait_for_health(name):
    services = compose(name)["services"]

    for service_name, service in services.items():
        for dependency, rule in service.get("depends_on", {}).items():
            assert rule.get("condition") in {"service_healthy", "service_completed_successfully"}, service_name
            if rule["condition"] == "service_healthy":
                assert "healthcheck" in services[dependency], f"{service_name} waits on {dependency} without a check"
    assert {"postgres", "redis"} <= {name for name, service in services.items() if "healthcheck" in service}


@pytest.mark.parametrize("name", COMPOSE_FILES)
def test_every_published_port_is_on_the_hosts_loopback(name):
    # A client reaching web directly would bypass the proxy that TRUSTED_PROXIES names (and its TLS);
    # Flower's open paths likewise.
    published = {
        service_name: [str(port) for port in service.get("ports", [])]
        for service_name, service in compose(name)["services"].items()
    }

    assert published["web"], "web is published"
    assert {service: ports for service, ports in published.items() if ports} == {
        service: [port for port in ports if port.startswith("127.0.0.1:")]
        for service, ports in published.items()
        if ports
    }


def test_flower_requires_basic_auth_and_listens_on_loopback_only():
    flower = compose("docker-compose.yml")["services"]["flower"]

    assert flower["environment"]["FLOWER_BASIC_AUTH"].startswith("${FLOWER_BASIC_AUTH:?")
    assert all(str(port).startswith("127.0.0.1:") for port in flower["ports"])
    assert "FLOWER_BASIC_AUTH:?" in (ROOT / "docker" / "start-flower").read_text()


def test_the_dockerfile_is_slim_layered_and_keeps_secrets_out():
    text = (ROOT / "docker" / "Dockerfile").read_text()
    ignored = (ROOT / ".dockerignore").read_text().splitlines()

    assert re.search(r"^FROM python:[\d.]+-slim", text, re.MULTILINE)
    # Requirements are installed before the code is copied: their layer survives code changes.
    assert text.index("COPY requirements/") < text.index("pip install") < text.index("COPY . .")
    assert not re.search(r"^(ENV|ARG)\s+\S*(SECRET|PASSWORD|TOKEN)", text, re.MULTILINE)
    assert ".env" in ignored
    assert ".git" in ignored


def test_procfile_runs_web_beat_flower_and_a_reloading_worker_pool_per_queue():
    processes = procfile()
    pools = {"worker-transactional", "worker-bulk", "worker-maintenance"}

    assert set(processes) == {"web", "beat", "flower", *pools}
    assert "docker/release" in processes["web"]
    assert all("watchfiles" in processes[pool] for pool in pools)


@pytest.mark.parametrize("script", [*SCRIPTS, ROOT / "docker" / "release"], ids=lambda path: path.name)
def test_start_scripts_are_valid_posix_shell(script):
    # The image's /bin/sh is dash: `sh -n` parses without running anything.
    result = subprocess.run(["sh", "-n", str(script)], capture_output=True, text=True, timeout=30)  # noqa: S603, S607

    assert result.returncode == 0, result.stderr
    assert script.read_text().startswith("#!/bin/sh\n")
    assert "set -eu" in script.read_text()
