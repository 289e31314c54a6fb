"""The one place where the environment is read.

`env` is django-environ's reader; `.env` at the project root is loaded when it
exists, without overriding variables already set in the process environment.

`.env` describes the developer's own stack (its database, its Redis), so the
test suite (config.django.test) never reads it, nor do the processes the
tests and the benchmarks start (they set DJANGO_READ_DOT_ENV_FILE=False): a
test run must never touch the data of a running stack.
"""

import ipaddress
import os
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import environ
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent
APPS_DIR = BASE_DIR / "styleguide_project"


class _LiteralValues(Mapping[str, str]):
    """The process environment, each value escaped so that django-environ reads it as written.

    django-environ reads a value that starts with `$` as the name of another
    variable (a "proxied value"), and it cannot be switched off
    (joke2k/django-environ#415). One generated secret key in about fifty
    starts with `$`: read that way, DJANGO_SECRET_KEY would be "missing". With
    the reader's `escape_proxy`, `\\$` stands for a literal `$`; escaping every
    `\\$` already present and a leading `$` here makes every value literal.
    """

    def __init__(self, source: Mapping[str, str]) -> None:
        self._environ = source

    def __getitem__(self, key: str) -> str:
        value = self._environ[key].replace("\\$", "\\\\$")
        return "\\" + value if value.startswith("$") else value

    def __iter__(self) -> Iterator[str]:
        return iter(self._environ)

    def __len__(self) -> int:
        return len(self._environ)


def literal_env() -> environ.Env:
    """django-environ's reader, with every value read as written (no `$` references)."""
    reader = environ.Env()
    reader.escape_proxy = True
    reader.ENVIRON = _LiteralValues(os.environ)
    return reader


env = literal_env()

TEST_SETTINGS_MODULE = "config.django.test"


def env_file_wanted() -> bool:
    """Whether this process reads `.env`: not under the test settings, nor when told not to."""
    if os.environ.get("DJANGO_SETTINGS_MODULE") == TEST_SETTINGS_MODULE:
        return False
    return env.bool("DJANGO_READ_DOT_ENV_FILE", default=True)


_ENV_FILE = BASE_DIR / ".env"
if _ENV_FILE.is_file() and env_file_wanted():
    environ.Env.read_env(str(_ENV_FILE))


def env_database(var: str, *, default: str) -> dict[str, Any]:
    """Parse the database URL in `var`, or `default` when it is unset.

    django-environ accepts almost any string and returns a half-empty config,
    which only fails at the first query with an unrelated message. A URL whose
    scheme is not a database, or that has no database name, stops start-up
    here with the variable named.
    """
    url = env.str(var, default="") or default
    scheme = urlsplit(url).scheme
    if scheme not in environ.Env.DB_SCHEMES:
        known = ", ".join(sorted(s for s in environ.Env.DB_SCHEMES if "+" not in s))
        raise ImproperlyConfigured(f"{var} is not a valid database URL: scheme {scheme!r} is not one of: {known}.")
    try:
        config = environ.Env.db_url_config(url)
    except ValueError as exc:
        raise ImproperlyConfigured(f"{var} is not a valid database URL: {exc}.") from exc
    if not config.get("NAME"):
        raise ImproperlyConfigured(f"{var} is not a valid database URL: it names no database.")
    return config


def env_choice(var: str, *, choices: tuple[str, ...], default: str) -> str:
    """The value of `var`, one of `choices`; a typo stops start-up with the variable named."""
    value = env.str(var, default=default)
    if value not in choices:
        raise ImproperlyConfigured(f"{var} must be one of {', '.join(choices)}, not {value!r}.")
    return value


def env_networks(var: str) -> list[str]:
    """Comma-separated networks (CIDRs, or single addresses) in `var`, normalised; one that is not stops start-up."""
    networks = []
    for value in env.list(var, default=[]):
        text = value.strip()
        if not text:
            continue
        try:
            networks.append(str(ipaddress.ip_network(text, strict=False)))
        except ValueError:
            raise ImproperlyConfigured(
                f"{var} has {text!r}, which is not a network: give CIDRs such as 10.0.0.0/8 or addresses "
                "such as 127.0.0.1, separated by commas."
            ) from None
    return networks
