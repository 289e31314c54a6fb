"""docs/deploy.md's steps for a server without Docker, followed for real from a fresh clone.

The steps are read from the block of docs/deploy.md marked `deploy-steps`, one
line at a time, so the page and this test cannot say different things: a line
this test does not know fails it. The clone is of this checkout's HEAD, in a
temporary folder, with this run's virtualenv in place of `pip install`. Its
`.env` is `.env.production.example` with every empty value filled (its own
database, this run's Redis databases, an SMTP sink), and the processes get no
other variable: the scripts and the settings must find everything there.
Requests carry what the TLS proxy in front adds (`X-Forwarded-Proto: https`).
"""

import re
import secrets
import shlex
import shutil
import subprocess
import time
from collections.abc import Iterator
from http.client import HTTPConnection, HTTPResponse
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import urlencode, urlsplit

import psycopg
import pytest
from django.db import connection
from django.utils.crypto import get_random_string

from testing.processes import ManagedProcess, free_port, leftovers_stop, wait_until
from testing.reports import report
from testing.services import service_missing
from testing.smtp import SmtpSink

pytestmark = [pytest.mark.integration, pytest.mark.slow]

ROOT = Path(__file__).resolve().parents[3]
STEPS = re.compile(r"<!-- deploy-steps:[^>]*-->\n```sh\n(.*?)```", re.DOTALL)
STYLESHEET = re.compile(r"""<link\b[^>]*\brel=["']stylesheet["'][^>]*>""")
HREF = re.compile(r"""\bhref=["']([^"']+)["']""")
SCRIPT_SRC = re.compile(r"""<script\b[^>]*\bsrc=["']([^"']+)["']""")
CSRF_INPUT = re.compile(r"""name=["']csrfmiddlewaretoken["'] value=["']([^"']+)["']""")


def deploy_steps() -> list[str]:
    match = STEPS.search((ROOT / "docs" / "deploy.md").read_text())
    assert match, "docs/deploy.md has no block marked deploy-steps"
    return [line for line in match[1].splitlines() if line.strip() and not line.startswith("#")]


def example_variables() -> Iterator[tuple[str, str, bool]]:
    """(name, value, optional) for each variable of .env.production.example; optional when its comment says so."""
    comment: list[str] = []
    for line in (ROOT / ".env.production.example").read_text().splitlines():
        if line.startswith("#"):
            comment.append(line)
        elif "=" in line:
            name, value = line.split("=", 1)
            yield name, value, bool(comment) and comment[0].startswith("# Optional")
            comment = []
        else:
            comment = []


class Browser:
    """A client behind the TLS proxy: one host, its cookies (secure ones too), no redirects followed."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.cookies: dict[str, str] = {}

    def request(self, method: str, path: str, form: dict[str, str] | None = None) -> tuple[HTTPResponse, str]:
        headers = {
            "Host": f"127.0.0.1:{self.port}",
            "X-Forwarded-Proto": "https",
            # Django checks the referer of an HTTPS form post against the host.
            "Referer": f"https://127.0.0.1:{self.port}{path}",
        }
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{name}={value}" for name, value in self.cookies.items())
        body = None
        if form is not None:
            body = urlencode(form)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        client = HTTPConnection("127.0.0.1", self.port, timeout=30)
        try:
            client.request(method, path, body=body, headers=headers)
            response = client.getresponse()
            text = response.read().decode(errors="replace")
        finally:
            client.close()
        for header in response.headers.get_all("Set-Cookie") or []:
            for name, morsel in SimpleCookie(header).items():
                self.cookies[name] = morsel.value
        return response, text

    def page(self, path: str) -> tuple[str, dict[str, int]]:
        """The page at `path` (200), and the status of each stylesheet and script it links."""
        response, html = self.request("GET", path)
        assert response.status == 200, (path, response.status, html[:2000])
        stylesheets = [HREF.search(tag)[1] for tag in STYLESHEET.findall(html)]  # type: ignore[index]
        assert stylesheets, f"{path} links no stylesheet"
        for href in stylesheets:
            asset, css = self.request("GET", urlsplit(href).path)
            assert asset.status == 200, (path, href, asset.status)
            assert (asset.getheader("Content-Type") or "").startswith("text/css"), (
                href,
                asset.getheader("Content-Type"),
            )
            assert css.strip(), href
        for src in SCRIPT_SRC.findall(html):
            if src.startswith("/static/"):
                asset, _ = self.request("GET", urlsplit(src).path)
                assert asset.status == 200, (path, src, asset.status)
        return html, {"stylesheets": len(stylesheets), "scripts": len(SCRIPT_SRC.findall(html))}

    def form_post(self, path: str, fields: dict[str, str]) -> HTTPResponse:
        response, html = self.request("GET", path)
        assert response.status == 200, (path, response.status)
        token = CSRF_INPUT.search(html)
        assert token, f"{path} has no CSRF token"
        posted, text = self.request("POST", path, {"csrfmiddlewaretoken": token[1], **fields})
        assert posted.status == 302, (path, posted.status, text[:2000])
        return posted


@pytest.fixture
def postgres_admin() -> Iterator[tuple[str, str]]:
    """(server URL without a database name, the name this run's database takes): created by `createdb` below."""
    if connection.vendor != "postgresql":
        service_missing("needs PostgreSQL: set DATABASE_URL=postgres://...")
    settings = connection.settings_dict
    password = f":{settings['PASSWORD']}" if settings["PASSWORD"] else ""
    host = f"{settings['HOST'] or '127.0.0.1'}:{settings['PORT'] or 5432}"
    server = f"postgres://{settings['USER'] or 'postgres'}{password}@{host}"
    # Unique per run, named after this run's own database: nobody else's.
    name = f"{settings['NAME']}_deploy_{secrets.token_hex(4)}"
    yield server, name
    # Only this run's database, once its processes are stopped (FORCE: a connection they left).
    with psycopg.connect(f"{server}/postgres", autocommit=True) as admin:
        if admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            admin.execute(f'DROP DATABASE "{name}" WITH (FORCE)')


def test_the_documented_server_steps_serve_every_page_with_its_css(
    tmp_path, postgres_admin, redis_url, broker_url, smtp_sink: SmtpSink
):
    server, database = postgres_admin
    checkout = tmp_path / "styleguide_project"
    web_port = free_port()
    env = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "LANG": "C.UTF-8", "PYTHONUNBUFFERED": "1"}
    started: list[ManagedProcess] = []
    figures: dict[str, object] = {}
    t0 = time.monotonic()

    def run(words: list[str], *, timeout: float = 600) -> subprocess.CompletedProcess[str]:
        step_started = time.monotonic()
        result = subprocess.run(  # noqa: S603 - the documented command
            words, cwd=checkout, env=env, capture_output=True, text=True, timeout=timeout
        )
        assert result.returncode == 0, (
            f"{shlex.join(words)} exited {result.returncode}:\n{result.stdout}\n{result.stderr}"
        )
        figures[f"{shlex.join(words)} (s)"] = round(time.monotonic() - step_started, 1)
        return result

    subprocess.run(["git", "clone", "--quiet", str(ROOT), str(checkout)], check=True, timeout=120)  # noqa: S603, S607
    figures["git clone (s)"] = round(time.monotonic() - t0, 1)
    try:
        for line in deploy_steps():
            words = shlex.split(line)
            if words[0] == "cd":
                assert words[1] == "/srv/styleguide_project", line  # the clone stands for it
            elif "pip install" in line:
                # This run's virtualenv has the same pinned requirements; nothing is installed.
                lock = words[words.index("-r") + 1]
                assert (checkout / lock).is_file(), line
                (checkout / ".venv").symlink_to((ROOT / ".venv").resolve())
            elif words[0] == "export":
                assert words[1] == "PATH=/srv/styleguide_project/.venv/bin:$PATH", line
                env["PATH"] = f"{checkout / '.venv' / 'bin'}:{env['PATH']}"
            elif words[0] == "cp":
                shutil.copyfile(checkout / words[1], checkout / words[2])
                dot_env_fill(
                    checkout / words[2],
                    database=f"{server}/{database}",
                    web_port=web_port,
                    redis_url=redis_url,
                    broker_url=broker_url,
                    smtp_url=smtp_sink.url,
                )
            elif words[0] == "createdb":
                # The documented command on the test's server, with this run's own database name.
                with psycopg.connect(f"{server}/postgres", autocommit=True) as admin:
                    admin.execute(f'CREATE DATABASE "{database}"')
            elif words[:2] == ["python", "manage.py"] or words == ["docker/release"]:
                result = run(words)
                if words[-1] == "check_config":
                    assert "Configuration: accepted by config.django.production" in result.stdout, result.stdout
            elif words[0].startswith("docker/start-"):
                name = " ".join(words).removeprefix("docker/")
                process = ManagedProcess(words, env=env, name=name.replace(" ", "-"), cwd=checkout)
                started.append(process.start())
            else:
                pytest.fail(f"docs/deploy.md's deploy-steps has a step this test does not know: {line!r}")
        assert {process.name for process in started} == {
            "start-web",
            "start-worker-transactional",
            "start-worker-bulk",
            "start-worker-maintenance",
            "start-beat",
        }

        # The first staff account, as an operator makes it.
        password = get_random_string(24)
        env["DJANGO_SUPERUSER_PASSWORD"] = password
        run(["python", "manage.py", "createsuperuser", "--noinput", "--email", "ops@styleguide.test"])
        del env["DJANGO_SUPERUSER_PASSWORD"]

        browser = Browser(web_port)

        def healthy() -> bool:
            for process in started:
                if not process.alive():
                    raise RuntimeError(f"{process.name} exited:\n{process.output[-4000:]}")
            try:
                response, body = browser.request("GET", "/api/health/")
            except OSError:
                return False  # gunicorn is not listening yet
            return response.status == 200 and '"count":3' in body.replace(" ", "")

        ready = time.monotonic()
        wait_until(healthy, timeout=240, interval=1, what="/api/health/ 200 with the three worker pools and beat")
        figures["start to healthy (s)"] = round(time.monotonic() - ready, 1)

        pages = {}
        for path in ("/", "/api/docs/", "/admin/login/"):
            _, pages[path] = browser.page(path)

        # The progress page: a staff member launches a campaign from its form and is sent there.
        browser.form_post("/admin/login/?next=/admin/", {"username": "ops@styleguide.test", "password": password})
        launched = browser.form_post("/emails/campaigns/new/", {"subject": "Deploy check", "plain_text": "Hello"})
        progress = urlsplit(launched.getheader("Location") or "").path
        assert re.fullmatch(r"/tasks/[^/]+/progress/", progress), progress
        _, pages[progress] = browser.page(progress)

        # The bulk pool runs it to the end: the worker processes are the clone's, on its settings.
        def complete() -> bool:
            response, body = browser.request("GET", f"{progress}data/")
            assert response.status == 200, body
            return '"complete": true' in body or '"complete":true' in body

        wait_until(complete, timeout=120, interval=1, what="the campaign run to complete")
        figures["total (s)"] = round(time.monotonic() - t0, 1)
        report(
            "deploy from a fresh clone (docs/deploy.md's deploy-steps)",
            ", ".join(f"{k} {v}" for k, v in figures.items()),
        )
        for path, linked in pages.items():
            report("deploy from a fresh clone (docs/deploy.md's deploy-steps)", f"{path}: 200, {linked}")
    finally:
        for process in started:
            process.stop(timeout=60)
        left = leftovers_stop(timeout=10)
        assert left == [], f"processes left behind: {left}"


def dot_env_fill(path: Path, *, database: str, web_port: int, redis_url: str, broker_url: str, smtp_url: str) -> None:
    """Fill every empty value of the copied example, as the docs ask; optional ones stay empty."""
    filled = {
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
        "DATABASE_URL": database,
        "POSTGRES_PASSWORD": secrets.token_urlsafe(16),  # docker compose's own; unused here
        "REDIS_URL": redis_url,
        "CELERY_BROKER_URL": broker_url,
        "EMAIL_URL": smtp_url,
        "DEFAULT_FROM_EMAIL": "Styleguide <noreply@styleguide.test>",
        "SUPPORT_EMAIL": "support@styleguide.test",
        "FLOWER_BASIC_AUTH": f"ops:{secrets.token_urlsafe(16)}",
        # Recommended (campaign emails' unsubscribe link): https, on a host the site serves.
        "SITE_URL": "https://127.0.0.1",
    }
    empty = {name for name, value, optional in example_variables() if not value and not optional}
    # A new required variable in the example must be taught to this test.
    assert empty == set(filled), f"empty in .env.production.example: {sorted(empty)}; filled here: {sorted(filled)}"
    lines = []
    for line in path.read_text().splitlines():
        name = line.split("=", 1)[0]
        lines.append(f"{name}={filled[name]}" if name in filled and line == f"{name}=" else line)
    # The docs' one addition, for a proxy on the same machine; and one process per pool on a shared test machine.
    lines += [f"WEB_BIND=127.0.0.1:{web_port}", "CELERY_WORKER_CONCURRENCY=1", "WEB_CONCURRENCY=2"]
    path.write_text("\n".join(lines) + "\n")
