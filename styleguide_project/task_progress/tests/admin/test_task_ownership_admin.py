import pytest
from django.test import Client

from styleguide_project.task_progress.tests.factories import TaskOwnershipFactory
from styleguide_project.users.tests.factories import BaseUserFactory

pytestmark = pytest.mark.django_db
URL = "/admin/task_progress/taskownership/"


@pytest.fixture
def admin_client_() -> Client:
    client = Client()
    client.force_login(BaseUserFactory.create(is_staff=True, is_superuser=True))
    return client


@pytest.mark.parametrize("rows", [2, 12])
def test_changelist_query_count_does_not_grow_with_the_rows(admin_client_, django_assert_num_queries, rows):
    # given: runs queued by users of their own
    ownerships = TaskOwnershipFactory.create_batch(rows)

    # when
    with django_assert_num_queries(6):
        response = admin_client_.get(URL)

    # then: the session, the user, two COUNTs, the page with each row's user
    # (list_select_related) and the task names of the filter, at 2 rows as at 12
    assert response.status_code == 200
    page = response.content.decode()
    assert all(ownership.user.email in page for ownership in ownerships)
