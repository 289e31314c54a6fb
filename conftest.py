import pytest
from rest_framework.test import APIClient

from styleguide_project.users.models import BaseUser
from styleguide_project.users.tests.factories import BaseUserFactory


@pytest.fixture
def api_client() -> APIClient:
    return APIClient()


@pytest.fixture
def user(db: None) -> BaseUser:
    return BaseUserFactory.create()


@pytest.fixture
def staff_user(db: None) -> BaseUser:
    return BaseUserFactory.create(is_staff=True)


@pytest.fixture
def user_client(user: BaseUser) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


@pytest.fixture
def staff_client(staff_user: BaseUser) -> APIClient:
    client = APIClient()
    client.force_authenticate(staff_user)
    return client
