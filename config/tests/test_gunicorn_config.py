"""config/gunicorn.py, read as gunicorn reads it: its address comes from WEB_BIND."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def bind(**environment: str) -> list[str]:
    env = {key: value for key, value in os.environ.items() if key != "WEB_BIND"}
    env.update({"DJANGO_READ_DOT_ENV_FILE": "False", **environment})
    code = "import json, runpy; print(json.dumps(runpy.run_path('config/gunicorn.py')['bind']))"
    result = subprocess.run(  # noqa: S603 - our own command line
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    value: list[str] = json.loads(result.stdout)
    return value


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (None, ["0.0.0.0:8000"]),
        ("127.0.0.1:8001", ["127.0.0.1:8001"]),
        ("unix:/run/styleguide_project/web.sock", ["unix:/run/styleguide_project/web.sock"]),
        ("127.0.0.1:8000,[::1]:8000", ["127.0.0.1:8000", "[::1]:8000"]),
    ],
)
def test_the_address_is_web_bind_or_every_interface_on_8000(value, expected):
    assert bind(**({"WEB_BIND": value} if value else {})) == expected
