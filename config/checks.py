"""What production refuses to start with, found all at once, and how a refusal is shown.

`production_problems` reads the environment and the settings built from it
and returns every problem, each with the variable, what is wrong and the fix;
config/django/production.py raises them together as one
`ConfigurationRefused`. manage.py, config/wsgi.py and the Celery app load the settings through
`settings_load_or_exit`, which prints any such refusal as that one message,
without a traceback, and exits with `EXIT_CONFIGURATION` (3; gunicorn also
stops, instead of restarting its workers, when a worker exits with 3).
`python manage.py check_config` runs the same rules and then connects to the
database, the broker and Redis (docs/deploy.md, "Checking the configuration").

The rule for secrets is documented in docs/deploy.md and .env.production.example:
a secret is refused when it contains a known placeholder word, is shorter than
its minimum length, or has fewer distinct characters than its minimum (a
repeated word such as `xyz123xyz123...` has 6). The minimums are far below
what a generator gives (Django's key: 50 characters, about 32 distinct, never
fewer than 22 in 200,000 draws), so a generated secret always passes.
"""

import sys
from dataclasses import dataclass
from email.utils import parseaddr
from typing import Any
from urllib.parse import urlsplit

from django.core.exceptions import ImproperlyConfigured, ValidationError
from django.core.validators import validate_email
from django.http.request import validate_host

EXIT_CONFIGURATION = 3

GENERATE_KEY = 'python -c "from django.core.management.utils import get_random_secret_key as k; print(k())"'
GENERATE_TOKEN = 'python -c "import secrets; print(secrets.token_urlsafe(32))"'  # noqa: S105 - a command


@dataclass(frozen=True)
class SecretRule:
    min_length: int
    min_distinct: int


# The documented minimums, per secret.
SECRET_KEY_RULE = SecretRule(min_length=50, min_distinct=16)
METRICS_TOKEN_RULE = SecretRule(min_length=32, min_distinct=12)
FLOWER_PASSWORD_RULE = SecretRule(min_length=16, min_distinct=6)

# HSTS, when on, lasts at least a year: shorter lapses between a visitor's visits, and the preload lists want it.
HSTS_MIN_SECONDS = 31536000

# Values seen in examples and tutorials: a secret equal to one of these, in any case, is public knowledge.
KNOWN_PLACEHOLDERS = frozenset({"admin", "test", "changeit", "letmein", "hunter2", "qwerty"})
# ... or containing one of these.
PLACEHOLDER_WORDS = ("change-me", "changeme", "change_me", "django-insecure", "password", "secret", "example")
# Domains reserved for examples (RFC 2606) or that reach nobody.
PLACEHOLDER_DOMAINS = ("example.com", "example.net", "example.org", "localhost")


@dataclass(frozen=True)
class Problem:
    variable: str
    problem: str
    fix: str

    def __str__(self) -> str:
        return f"{self.variable}: {self.problem}. {self.fix}"


class ConfigurationRefused(ImproperlyConfigured):
    """Every problem of the configuration, in one message."""

    def __init__(self, problems: list[Problem], *, settings_module: str) -> None:
        self.problems = problems
        count = f"{len(problems)} problem{'s' if len(problems) != 1 else ''}"
        lines = [f"The configuration is refused by {settings_module} ({count}); set these variables and start again:"]
        lines += [f"  - {problem}" for problem in problems]
        super().__init__("\n".join(lines))


def secret_problem(value: str, rule: SecretRule) -> str | None:
    """Why `value` is too weak to be a secret under `rule`, or None when it is acceptable."""
    lowered = value.lower()
    if lowered in KNOWN_PLACEHOLDERS or any(word in lowered for word in PLACEHOLDER_WORDS):
        return "it is or contains a known placeholder"
    if len(value) < rule.min_length:
        return f"it is shorter than {rule.min_length} characters"
    if len(set(value)) < rule.min_distinct:
        return f"it has fewer than {rule.min_distinct} distinct characters ({len(set(value))})"
    return None


def _placeholder_host(host: str) -> bool:
    host = host.lower().rstrip(".")
    return any(host == domain or host.endswith(f".{domain}") for domain in PLACEHOLDER_DOMAINS)


def _address_problem(value: str) -> str | None:
    _, address = parseaddr(value)
    try:
        validate_email(address)
    except ValidationError:
        return f"{value!r} is not an email address"
    if _placeholder_host(address.rpartition("@")[2]):
        return f"{address} is a placeholder address that reaches nobody"
    return None


def production_problems(env: Any, namespace: dict[str, Any]) -> list[Problem]:
    """Every missing, placeholder or unsafe variable, given the reader `env` and the built settings `namespace`."""
    problems: list[Problem] = []

    def value(var: str) -> str:
        return str(env.str(var, default="")).strip()

    def required(var: str, fix: str) -> str:
        text = value(var)
        if not text:
            problems.append(Problem(var, "is missing (unset or empty)", fix))
        return text

    key = required("DJANGO_SECRET_KEY", f"Generate one with `{GENERATE_KEY}`.")
    if key and (why := secret_problem(key, SECRET_KEY_RULE)):
        problems.append(Problem("DJANGO_SECRET_KEY", f"is not safe: {why}", f"Generate one with `{GENERATE_KEY}`."))

    hosts = required(
        "DJANGO_ALLOWED_HOSTS", "Set the host names the site answers to, comma-separated (api.mysite.org)."
    )
    placeholders = [host for host in hosts.split(",") if host.strip() and _placeholder_host(host.strip())]
    if placeholders:
        problems.append(
            Problem(
                "DJANGO_ALLOWED_HOSTS",
                f"names a placeholder host ({', '.join(placeholders)})",
                "Set the site's own host names.",
            )
        )

    postgres = "Set postgres://user:password@host:5432/name."
    if required("DATABASE_URL", postgres):
        engine = namespace["DATABASES"]["default"]["ENGINE"]
        if engine != "django.db.backends.postgresql":
            problems.append(Problem("DATABASE_URL", f"is {engine.rsplit('.', 1)[-1]}, not PostgreSQL", postgres))

    broker = "Set redis://host:6379/1 or amqp://user:password@host:5672/vhost."
    if required("CELERY_BROKER_URL", broker) and (
        namespace["CELERY_TASK_ALWAYS_EAGER"] or namespace["CELERY_BROKER_URL"].startswith("memory://")
    ):
        problems.append(
            Problem("CELERY_BROKER_URL", "names no real broker: tasks would run inside web requests", broker)
        )

    # Throttles, health and task locks count in Django's cache: a per-process
    # cache would give each gunicorn worker its own counts.
    required("REDIS_URL", "Set redis://host:6379/0 (the shared cache: throttles, health, locks).")

    smtp = "Set an SMTP relay: smtp+tls://user:password@host:587."
    if required("EMAIL_URL", smtp) and namespace["EMAIL_BACKEND"] != "django.core.mail.backends.smtp.EmailBackend":
        backend = namespace["EMAIL_BACKEND"].rsplit(".", 2)[-2]
        problems.append(Problem("EMAIL_URL", f"is the {backend} backend, which sends nothing", smtp))

    senders = {
        "DEFAULT_FROM_EMAIL": required(
            "DEFAULT_FROM_EMAIL", "Set the address emails come from (Site <noreply@mysite.org>)."
        ),
        "SUPPORT_EMAIL": required("SUPPORT_EMAIL", "Set the address that receives task failure reports."),
    }
    for var, address in senders.items():
        if address and (why := _address_problem(address)):
            problems.append(Problem(var, why, f"Set a real address for {var}."))

    links = {
        "EMAIL_VERIFICATION_URL": (
            "Set the client application's page with {token}, or leave it empty to send the token itself."
        ),
        "FRONTEND_URL": "Set the client application's address, or leave it empty to link to this server's own pages.",
        "SITE_URL": "Set this server's public https address, or leave it empty to send campaigns without the link.",
    }
    for var, fix in links.items():
        url = value(var)
        if url and _placeholder_host(urlsplit(url).hostname or ""):
            problems.append(Problem(var, "points to a placeholder host", fix))
    # Mail providers follow a one-click unsubscribe link only over https (RFC 8058),
    # and this server answers it only on a host it serves. A placeholder host is already one problem.
    site = urlsplit(value("SITE_URL"))
    if value("SITE_URL") and not any(problem.variable == "SITE_URL" for problem in problems):
        served = [host.strip() for host in hosts.split(",") if host.strip()]
        if site.scheme != "https":
            problems.append(Problem("SITE_URL", "is not an https address", links["SITE_URL"]))
        elif not validate_host(site.hostname or "", served):
            problems.append(
                Problem("SITE_URL", f"names a host not in DJANGO_ALLOWED_HOSTS ({site.hostname})", links["SITE_URL"])
            )

    # Flower reads FLOWER_BASIC_AUTH itself; it starts with these settings, so a
    # weak password stops it (and every other process given the same file) here.
    for credentials in value("FLOWER_BASIC_AUTH").split(","):
        if not credentials.strip():
            continue
        user, _, password = credentials.strip().partition(":")
        if why := secret_problem(password, FLOWER_PASSWORD_RULE):
            problems.append(
                Problem(
                    "FLOWER_BASIC_AUTH",
                    f"the password of {user!r} is weak: {why}",
                    f"Set user:password with a random password of {FLOWER_PASSWORD_RULE.min_length} characters or more "
                    f"(`{GENERATE_TOKEN}`).",
                )
            )

    hsts_seconds = env.int("DJANGO_SECURE_HSTS_SECONDS", default=HSTS_MIN_SECONDS)
    if hsts_seconds != 0 and hsts_seconds < HSTS_MIN_SECONDS:
        problems.append(
            Problem(
                "DJANGO_SECURE_HSTS_SECONDS",
                f"is {hsts_seconds}, shorter than a year",
                f"Set 0 (off) or at least {HSTS_MIN_SECONDS} (a year, the default).",
            )
        )
    preload_wanted = env.bool("DJANGO_SECURE_HSTS_PRELOAD", default=False)
    if preload_wanted and not (hsts_seconds and env.bool("DJANGO_SECURE_HSTS_INCLUDE_SUBDOMAINS", default=True)):
        problems.append(
            Problem(
                "DJANGO_SECURE_HSTS_PRELOAD",
                "needs HSTS of a year or more with its subdomains",
                "Set DJANGO_SECURE_HSTS_SECONDS to a year or more and DJANGO_SECURE_HSTS_INCLUDE_SUBDOMAINS=True, "
                "or leave preload off.",
            )
        )

    # /metrics answers whoever holds METRICS_TOKEN (unset: nobody, a 404).
    token = value("METRICS_TOKEN")
    if token and (why := secret_problem(token, METRICS_TOKEN_RULE)):
        problems.append(
            Problem(
                "METRICS_TOKEN",
                f"is not safe: {why}",
                f"Generate one with `{GENERATE_TOKEN}`, or leave it empty to turn /metrics off.",
            )
        )
    return problems


def settings_load_or_exit() -> None:
    """Load Django's settings; a refused configuration is printed as its one message, and the process exits 3."""
    from django.conf import settings

    try:
        settings.INSTALLED_APPS  # noqa: B018 - reading a setting loads the module
    except ImproperlyConfigured as exc:
        sys.stderr.write(f"{exc}\n")
        sys.stderr.flush()
        raise SystemExit(EXIT_CONFIGURATION) from None
