"""Where we work around a library, a test that fails once the library no longer needs it.

A copy of a library's template that keeps to the Content-Security-Policy can
go when the library's own has no inline script; the wrapper of Flower's
metrics handler in config/flower.py can go when Flower puts /metrics behind
its password itself. config/env.py's literal reader can go when
django-environ reads `$` values as written (joke2k/django-environ#415).
"""

from pathlib import Path

import django_celery_beat
import environ
from flower.views.monitor import Metrics

ROOT = Path(__file__).resolve().parents[2]
PERIODIC_TASK_FORM = "admin/djcelery/change_periodictask_form.html"


def test_django_celery_beat_still_writes_its_periodic_task_script_inline():
    upstream = (Path(django_celery_beat.__file__).parent / "templates" / PERIODIC_TASK_FORM).read_text()
    ours = (ROOT / "styleguide_project" / "templates" / PERIODIC_TASK_FORM).read_text()

    assert '<script id="periodic-task-overrides">' in upstream, "upstream has no inline script: delete our copy"
    assert '<script id="periodic-task-overrides" src=' in ours


def test_flower_still_leaves_its_metrics_without_authentication():
    # tornado's `authenticated` wraps with functools.wraps; this process never loads config/flower.py.
    message = "Flower protects /metrics itself: delete its wrapper in config/flower.py"
    assert not hasattr(Metrics.get, "__wrapped__"), message


def test_django_environ_still_reads_a_leading_dollar_as_a_reference(monkeypatch):
    monkeypatch.setenv("UPSTREAM_PROXY_TARGET", "the other variable")
    monkeypatch.setenv("UPSTREAM_PROXY_VALUE", "$UPSTREAM_PROXY_TARGET")

    message = "django-environ reads `$` values as written: delete the literal reader in config/env.py"
    assert environ.Env().str("UPSTREAM_PROXY_VALUE") == "the other variable", message
