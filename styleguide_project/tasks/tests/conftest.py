from collections.abc import Iterator
from typing import Any

import pytest

from styleguide_project.tasks.tests.probe_tasks import dead_letter_probe, dead_letter_probe_reset


@pytest.fixture
def probe(settings) -> Iterator[dict[str, Any]]:
    """The dead-letter probe task's world, reset: broken until `probe["fixed"] = True`; two retries at most."""
    settings.TASK_MAX_RETRIES = 2
    dead_letter_probe_reset()
    yield dead_letter_probe
    dead_letter_probe_reset()
