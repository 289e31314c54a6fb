"""The serialization table on a real Redis broker and worker agrees with eager mode."""

import pytest

from styleguide_project.tasks.tests.probe_tasks import SAMPLES
from styleguide_project.tasks.tests.serialization_table import (
    argument_outcome,
    expected_argument_outcome,
    expected_return_outcome,
    read_back,
    return_outcome,
)

pytestmark = pytest.mark.integration


def test_the_table_holds_on_a_worker_as_in_eager_mode(celery_worker):
    celery_worker(extra=("--include", "styleguide_project.tasks.tests.probe_tasks"))

    on_worker = {kind: (argument_outcome(kind, get=read_back), return_outcome(kind, get=read_back)) for kind in SAMPLES}

    expected = {kind: (expected_argument_outcome(kind), expected_return_outcome(kind)) for kind in SAMPLES}
    assert on_worker == expected
