"""Our copies of libraries' templates that keep to the Content-Security-Policy, each with the reason it exists.

When a library's own template no longer has an inline script, the test
fails: the copy in styleguide_project/templates/ can then be deleted.
"""

from pathlib import Path

import django_celery_beat

ROOT = Path(__file__).resolve().parents[2]
PERIODIC_TASK_FORM = "admin/djcelery/change_periodictask_form.html"


def test_django_celery_beat_still_writes_its_periodic_task_script_inline():
    upstream = (Path(django_celery_beat.__file__).parent / "templates" / PERIODIC_TASK_FORM).read_text()
    ours = (ROOT / "styleguide_project" / "templates" / PERIODIC_TASK_FORM).read_text()

    assert '<script id="periodic-task-overrides">' in upstream, "upstream has no inline script: delete our copy"
    assert '<script id="periodic-task-overrides" src=' in ours
