import pytest
from django.test import Client

from styleguide_project.users.tests.factories import BaseUserFactory

pytestmark = pytest.mark.django_db
URL = "/admin/users/baseuser/"


@pytest.fixture
def admin_client_() -> Client:
    client = Client()
    client.force_login(BaseUserFactory.create(is_staff=True, is_superuser=True))
    return client


@pytest.mark.parametrize("rows", [2, 12])
def test_changelist_query_count_does_not_grow_with_the_rows(admin_client_, django_assert_num_queries, rows):
    BaseUserFactory.create_batch(rows)

    # The session, the user, two COUNTs and the page, at 2 rows as at 12.
    with django_assert_num_queries(5):
        response = admin_client_.get(URL)

    assert response.status_code == 200
    # The staff user who is looking is listed too.
    assert response.context["cl"].result_count == rows + 1
