import pytest

from styleguide_project.users.tests.factories import BaseUserFactory

pytestmark = pytest.mark.django_db
URL = "/admin/users/baseuser/"


@pytest.mark.parametrize("rows", [2, 12])
def test_changelist_query_count_does_not_grow_with_the_rows(superuser_client, django_assert_num_queries, rows):
    BaseUserFactory.create_batch(rows)

    # The session, the user, two COUNTs and the page, at 2 rows as at 12.
    with django_assert_num_queries(5):
        response = superuser_client.get(URL)

    assert response.status_code == 200
    # The staff user who is looking is listed too.
    assert response.context["cl"].result_count == rows + 1
