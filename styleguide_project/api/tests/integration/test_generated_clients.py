"""The schema's contract with its clients: clients generated from the live schema work as generated.

A real gunicorn of the project (local settings, eager tasks) on the test's
PostgreSQL and Redis, its emails in an SMTP sink. From the schema it serves:

- a Python client (`openapi-python-client`): `mypy --strict` on the README's
  user and staff flows written against it (testing/contract/flows.py), which
  then drive every operation of the schema against the server;
- a TypeScript client (`openapi-typescript` types, `openapi-fetch` calls, at
  the versions of testing/contract/package-lock.json): `tsc --strict` on a
  register, login and me (testing/contract/flow.ts), then the same run;
- a schemathesis run as staff, at a rate of its own, over every operation
  but the two logouts (they would end the run's token): no 5xx, and nothing
  the schema contradicts.

Each reports what it drove and what the type-checkers said in the run's summary.
"""

import importlib
import json
import os
import re
import secrets
import shutil
import subprocess
import sys
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import cast
from urllib.parse import unquote

import pytest
from knox.models import AuthToken

from styleguide_project.emails.models import Email
from styleguide_project.emails.tests.factories import EmailFactory
from styleguide_project.tasks.tests.factories import DeadLetterFactory
from styleguide_project.users.tests.factories import STAFF_TOOL_PERMISSIONS, BaseUserFactory
from testing.processes import ROOT, ManagedProcess, free_port, process_env, wait_until
from testing.reports import report
from testing.services import service_missing
from testing.smtp import SmtpSink

pytestmark = [pytest.mark.integration, pytest.mark.slow]

CONTRACT = ROOT / "testing" / "contract"
BIN = Path(sys.executable).parent
SECTION = "API contract: generated clients and schemathesis"
VERIFY_URL = "https://app.example/verify?token={token}"
FRONTEND_URL = "https://app.example"
STAFF_PASSWORD = "staff-correct-horse-battery"
# The checks of the schemathesis run: every one of schemathesis's that can hold for this API (below).
CHECKS = "all"
# positive_data_acceptance expects a 2xx for every body the schema allows; a business rule
# (already verified, wrong password, a common password) refuses some of them with the 400 the schema
# documents. ignored_auth and use_after_free are stateful probes of auth and deletion the API has no shape for.
EXCLUDED_CHECKS = "positive_data_acceptance"


def run(*args: str, cwd: Path = ROOT, env: dict[str, str] | None = None, timeout: float = 600) -> str:
    result = subprocess.run(  # noqa: S603 - our own command lines
        args, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout, check=False
    )
    assert result.returncode == 0, f"{' '.join(args)}: exit {result.returncode}\n{result.stdout}\n{result.stderr}"
    return result.stdout


@dataclass
class LiveApi:
    base_url: str
    # The server's environment, for a management command on the same database and settings.
    env: dict[str, str]

    def createsuperuser(self, *, email: str, password: str) -> None:
        """A staff user as the README makes one (with the server's password hashers)."""
        run(
            *(sys.executable, "manage.py", "createsuperuser", "--noinput", "--email", email),
            env={**self.env, "DJANGO_SUPERUSER_PASSWORD": password},
        )


@pytest.fixture
def live_api(live_db_url: str, redis_url: str, smtp_sink: SmtpSink) -> Iterator[LiveApi]:
    """The project's gunicorn on the test database."""
    port = free_port()
    env = process_env(
        DATABASE_URL=live_db_url,
        REDIS_URL=redis_url,
        # Eager: tasks run in the web process, as under `make run`.
        CELERY_BROKER_URL="",
        EMAIL_URL=smtp_sink.url,
        EMAIL_VERIFICATION_URL=VERIFY_URL,
        FRONTEND_URL=FRONTEND_URL,
        EMAIL_CAMPAIGN_CHUNK_PAUSE_SECONDS="0",
        DJANGO_SECRET_KEY=secrets.token_urlsafe(50),
        DJANGO_ALLOWED_HOSTS="127.0.0.1",
        WEB_CONCURRENCY="2",
        LOG_FORMAT="plain",
        # Every request comes from one address and a handful of users: the default rates would cut the
        # runs short with 429s (which the schema documents, and the throttle tests cover).
        THROTTLE_ANON_RATE="1000000/hour",
        THROTTLE_USER_RATE="1000000/hour",
        THROTTLE_LOGIN_EMAIL_RATE="1000000/hour",
        THROTTLE_LOGIN_ADDRESS_RATE="1000000/hour",
        THROTTLE_EMAIL_VERIFICATION_RESEND_RATE="1000000/hour",
        THROTTLE_UNSOLICITED_EMAIL_RECIPIENT_RATE="1000000/hour",
        THROTTLE_UNSOLICITED_EMAIL_CLIENT_RATE="1000000/hour",
        THROTTLE_PASSWORD_RESET_ADDRESS_RATE="1000000/hour",
        THROTTLE_PASSWORD_RESET_EMAIL_RATE="1000000/hour",
        THROTTLE_PASSWORD_RESET_CONFIRM_RATE="1000000/hour",
        THROTTLE_PASSWORD_CHANGE_RATE="1000000/hour",
    )
    server = ManagedProcess(
        [
            str(BIN / "gunicorn"),
            *("--config", "config/gunicorn.py", "--bind", f"127.0.0.1:{port}", "config.wsgi:application"),
        ],
        env=env,
        name="gunicorn",
    ).start()
    base_url = f"http://127.0.0.1:{port}"
    try:

        def up() -> bool:
            assert server.alive(), server.output[-4000:]
            try:
                with urllib.request.urlopen(f"{base_url}/api/health/live/", timeout=5) as response:  # noqa: S310
                    return bool(response.status == 200)
            except OSError:
                return False

        wait_until(up, timeout=60, what="gunicorn to answer")
        yield LiveApi(base_url=base_url, env=env)
    finally:
        server.stop()
        print(f"\ngunicorn:\n{server.output[-4000:]}")  # noqa: T201 - shown when the test fails


def live_schema(base_url: str, path: Path) -> dict:
    """The schema as the server serves it, saved to `path`."""
    with urllib.request.urlopen(f"{base_url}/api/schema/?format=json", timeout=30) as response:  # noqa: S310
        path.write_bytes(response.read())
    return json.loads(path.read_text())


def operation_ids(schema: dict) -> set[str]:
    return {operation["operationId"] for path in schema["paths"].values() for operation in path.values()}


def emailed_token(sink: SmtpSink, email: str, *, link: str) -> str:
    """The token of the newest link emailed to `email` whose text before the token matches `link`."""
    bodies = [
        cast(bytes, part.get_payload(decode=True)).decode()
        for message in sink.messages
        if message.to == [email]
        for part in message.message.walk()
        if part.get_content_type() == "text/plain"
    ]
    tokens = [unquote(match) for body in bodies for match in re.findall(link + r"(\S+)", body)]
    assert tokens, f"no link {link} to {email} in {len(sink.messages)} emails"
    return tokens[-1]


def verification_token(sink: SmtpSink, email: str) -> str:
    """The token of the newest verification link emailed to `email`."""
    return emailed_token(sink, email, link=r"verify\?token=")


def reset_token(sink: SmtpSink, email: str) -> str:
    """The token of the newest password reset link emailed to `email` (tasks run eagerly: it is there)."""
    return emailed_token(sink, email, link=re.escape(FRONTEND_URL) + "/password/reset/")


def email_change_token(sink: SmtpSink, email: str) -> str:
    """The token of the newest email-change link emailed to `email`."""
    bodies = [
        cast(bytes, part.get_payload(decode=True)).decode()
        for message in sink.messages
        if message.to == [email]
        for part in message.message.walk()
        if part.get_content_type() == "text/plain"
    ]
    tokens = [unquote(match) for body in bodies for match in re.findall(r"confirm/?\?token=(\S+)", body)]
    assert tokens, f"no email-change link to {email} in {len(sink.messages)} emails"
    return tokens[-1]


def test_a_generated_python_client_drives_the_readme_flows(live_api, smtp_sink, tmp_path):
    live_api.createsuperuser(email="staff@example.com", password=STAFF_PASSWORD)
    # What the staff flow retries, sends again and replays.
    EmailFactory.create(status=Email.Status.FAILED)
    EmailFactory.create(status=Email.Status.READY)
    stuck = EmailFactory.create(status=Email.Status.FAILED)
    DeadLetterFactory.create(task_name="emails.email_send_batch", kwargs={"email_ids": [stuck.id]})
    schema = live_schema(live_api.base_url, tmp_path / "schema.json")
    package = tmp_path / "client"

    run(
        str(BIN / "openapi-python-client"),
        *("generate", "--path", str(tmp_path / "schema.json"), "--meta", "none"),
        *("--config", str(CONTRACT / "openapi-python-client.yml")),
        *("--output-path", str(package / "styleguide_project_client")),
        # Its post-generation hooks run ruff: this virtualenv's.
        env={**os.environ, "PATH": f"{BIN}{os.pathsep}{os.environ['PATH']}"},
    )
    checked = run(
        *(sys.executable, "-m", "mypy", "--config-file", str(CONTRACT / "mypy.ini")),
        *("--cache-dir", str(tmp_path / "mypy-cache"), str(CONTRACT / "flows.py")),
        env={**os.environ, "MYPYPATH": str(package)},
    )
    version = run(sys.executable, "-m", "mypy", "--version").split(" (")[0]
    report(SECTION, f"mypy --strict testing/contract/flows.py ({version}): {checked.strip()}")

    sys.path.insert(0, str(package))
    try:
        flows = importlib.import_module("testing.contract.flows")
        driven = flows.user_flow(
            base_url=live_api.base_url,
            email="ada@example.com",
            password="correct-horse-battery",
            verification_token=lambda email: verification_token(smtp_sink, email),
            reset_token=lambda email: reset_token(smtp_sink, email),
        )
        driven |= flows.account_flow(
            base_url=live_api.base_url,
            email="grace@example.com",
            password="correct-horse-battery",
            email_change_token=lambda email: email_change_token(smtp_sink, email),
        )
        driven |= flows.staff_flow(base_url=live_api.base_url, email="staff@example.com", password=STAFF_PASSWORD)
    finally:
        sys.path.remove(str(package))
        for name in [
            name for name in sys.modules if name.startswith(("styleguide_project_client", "testing.contract"))
        ]:
            del sys.modules[name]

    expected = operation_ids(schema)
    report(SECTION, f"Python client (openapi-python-client): drove {len(driven)} of {len(expected)} operations")
    assert driven == expected


def test_a_generated_typescript_client_registers_logs_in_and_asks_who_am_i(live_api, tmp_path):
    npm, node = shutil.which("npm"), shutil.which("node")
    if npm is None or node is None:
        service_missing("needs Node.js and npm (apt-get install nodejs npm)")
    assert npm is not None
    assert node is not None
    work = tmp_path / "ts"
    work.mkdir()
    for name in ("package.json", "package-lock.json", "tsconfig.json", "flow.ts"):
        shutil.copy(CONTRACT / name, work / name)
    live_schema(live_api.base_url, work / "schema.json")

    # The exact versions of the lock, with their hashes.
    run(npm, "ci", "--ignore-scripts", "--no-audit", "--no-fund", cwd=work)
    run(str(work / "node_modules/.bin/openapi-typescript"), "schema.json", "-o", "schema.d.ts", cwd=work)
    # Any type error fails the run (a non-zero exit, the errors in the message).
    tsc = str(work / "node_modules/.bin/tsc")
    run(tsc, "-p", "tsconfig.json", cwd=work)
    report(SECTION, f"tsc --strict testing/contract/flow.ts ({run(tsc, '--version', cwd=work).strip()}): no errors")

    output = run(node, "dist/flow.js", live_api.base_url, "grace@example.com", "correct-horse-battery", cwd=work)

    assert json.loads(output) == {
        "registered": "grace@example.com",
        "me": "grace@example.com",
        "anonymous": "Authentication credentials were not provided.",
    }
    report(SECTION, "TypeScript client (openapi-typescript + openapi-fetch): register, login and me answered")


def test_schemathesis_finds_no_server_error_and_no_contradiction(live_api, tmp_path):
    staff = BaseUserFactory.create(is_staff=True, permissions=STAFF_TOOL_PERMISSIONS)
    EmailFactory.create_batch(3)
    _, token = AuthToken.objects.create(user=staff)
    schema = live_schema(live_api.base_url, tmp_path / "schema.json")
    excluded = ["/api/auth/logout/", "/api/auth/logout-all/"]

    result = subprocess.run(  # noqa: S603 - our own command line
        [
            str(BIN / "schemathesis"),
            *("--config-file", str(ROOT / "styleguide_project/api/tests/integration/schemathesis.toml")),
            *("run", f"{live_api.base_url}/api/schema/?format=json"),
            *("--checks", CHECKS, "--exclude-checks", EXCLUDED_CHECKS),
            *("-H", f"Authorization: Bearer {token}"),
            *(option for path in excluded for option in ("--exclude-path", path)),
            # Its own pace: what one client may fairly ask of one server.
            *("--rate-limit", "50/s"),
            *("--max-examples", "20", "--seed", "20261207", "--phases", "examples,coverage,fuzzing"),
            *("--request-timeout", "10", "--generation-database", "none", "--no-color"),
            *("--report", "ndjson", "--report-ndjson-path", str(tmp_path / "events.ndjson")),
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )

    summary = "\n".join(result.stdout.splitlines()[-30:])
    print(f"\nschemathesis:\n{summary}")  # noqa: T201 - shown when the test fails
    assert result.returncode == 0, result.stdout[-8000:] + result.stderr[-2000:]
    tested = re.search(r"API Operations:\s+Selected: (\d+)/(\d+)\s+Tested: (\d+)", result.stdout)
    assert tested is not None, summary
    selected, total, ran = map(int, tested.groups())
    assert (total, selected, ran) == (len(operation_ids(schema)), total - len(excluded), total - len(excluded))
    cases = re.search(r"Test cases:\s+(.+)", result.stdout)
    report(
        SECTION,
        f"schemathesis: {ran} of {total} operations tested (the two logouts excluded), "
        f"{cases.group(1).strip() if cases else '?'}; no 5xx, no contradiction",
    )
