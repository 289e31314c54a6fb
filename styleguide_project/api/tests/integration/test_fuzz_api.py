"""schemathesis against the running API: no 500, and every response matches the OpenAPI schema."""

import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from knox.models import AuthToken

from styleguide_project.emails.tests.factories import EmailFactory
from styleguide_project.users.tests.factories import STAFF_TOOL_PERMISSIONS, BaseUserFactory
from testing.processes import ROOT
from testing.services import service_missing

pytestmark = [pytest.mark.integration, pytest.mark.slow]

CHECKS = "not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance"


def schemathesis(base_url: str, *options: str, report: Path) -> subprocess.CompletedProcess[str]:
    executable = shutil.which("schemathesis", path=str(Path(sys.executable).parent))
    if executable is None:
        service_missing("needs schemathesis (requirements/local.txt)")
    assert executable is not None
    args = [
        executable,
        "--config-file",
        str(Path(__file__).with_name("schemathesis.toml")),
        "run",
        f"{base_url}/api/schema/?format=json",
        "--checks",
        CHECKS,
        "--max-examples",
        "15",
        "--seed",
        "20261121",
        "--phases",
        "examples,coverage,fuzzing",
        "--request-timeout",
        "10",
        "--generation-database",
        "none",
        "--no-color",
        "--report",
        "junit",
        "--report-junit-path",
        str(report),
        *options,
    ]
    return subprocess.run(args, cwd=ROOT, capture_output=True, text=True, timeout=300, check=False)  # noqa: S603


@pytest.mark.parametrize("caller", ["anonymous", "user", "staff"])
def test_no_server_error_and_every_response_matches_the_schema(live_server, caller, tmp_path, settings):
    settings.DEBUG = False
    EmailFactory.create_batch(3)
    options = []
    if caller != "anonymous":
        staff = caller == "staff"
        user = BaseUserFactory.create(is_staff=staff, permissions=STAFF_TOOL_PERMISSIONS if staff else [])
        options += ["-H", f"Authorization: Token {AuthToken.objects.create(user=user)[1]}"]
        # Logging out would revoke the token the rest of the run uses (knox's own prefix here; the contract
        # test sends the schema's Bearer).
        options += ["--exclude-path", "/api/auth/logout/", "--exclude-path", "/api/auth/logout-all/"]

    result = schemathesis(live_server.url, *options, report=tmp_path / "junit.xml")

    summary = "\n".join(result.stdout.splitlines()[-40:])
    print(f"\nschemathesis ({caller}):\n{summary}")  # noqa: T201
    assert result.returncode == 0, result.stdout[-8000:] + result.stderr[-2000:]
