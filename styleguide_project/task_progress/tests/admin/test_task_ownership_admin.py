import pytest

from styleguide_project.task_progress.tests.factories import TaskOwnershipFactory

pytestmark = pytest.mark.django_db
URL = "/admin/task_progress/taskownership/"


@pytest.mark.parametrize("rows", [2, 12])
def test_changelist_query_count_does_not_grow_with_the_rows(superuser_client, django_assert_num_queries, rows):
    # given: runs queued by users of their own
    ownerships = TaskOwnershipFactory.create_batch(rows)

    # when
    with django_assert_num_queries(6):
        response = superuser_client.get(URL)

    # then: the session, the user, two COUNTs, the page with each row's user
    # (list_select_related) and the task names of the filter, at 2 rows as at 12
    assert response.status_code == 200
    page = response.content.decode()
    assert all(ownership.user.email in page for ownership in ownerships)
