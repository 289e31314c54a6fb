import pytest
from django.contrib.auth.models import AnonymousUser

from styleguide_project.task_progress.selectors import task_ownership_get
from styleguide_project.task_progress.tests.factories import TaskOwnershipFactory
from styleguide_project.users.tests.factories import BaseUserFactory

pytestmark = pytest.mark.django_db


def test_the_owner_may_see_their_run():
    ownership = TaskOwnershipFactory.create()

    assert task_ownership_get(task_id=ownership.task_id, user=ownership.user) == ownership


def test_staff_allowed_to_view_runs_may_see_anyones_run():
    ownership = TaskOwnershipFactory.create()
    staff = BaseUserFactory.create(is_staff=True, permissions=["task_progress.view_taskownership"])

    assert task_ownership_get(task_id=ownership.task_id, user=staff) == ownership


def test_staff_without_that_permission_see_only_their_own_runs():
    ownership = TaskOwnershipFactory.create()
    staff = BaseUserFactory.create(is_staff=True)
    theirs = TaskOwnershipFactory.create(user=staff)

    assert task_ownership_get(task_id=ownership.task_id, user=staff) is None
    assert task_ownership_get(task_id=theirs.task_id, user=staff) == theirs


def test_the_permission_without_staff_is_not_enough():
    ownership = TaskOwnershipFactory.create()
    user = BaseUserFactory.create(permissions=["task_progress.view_taskownership"])

    assert task_ownership_get(task_id=ownership.task_id, user=user) is None


def test_another_user_may_not():
    ownership = TaskOwnershipFactory.create()

    assert task_ownership_get(task_id=ownership.task_id, user=BaseUserFactory.create()) is None


def test_an_anonymous_user_may_not():
    ownership = TaskOwnershipFactory.create()

    assert task_ownership_get(task_id=ownership.task_id, user=AnonymousUser()) is None


def test_a_run_nobody_queued_through_the_service_is_unknown_even_to_staff():
    staff = BaseUserFactory.create(is_staff=True)

    assert task_ownership_get(task_id="0d6e9a4e-1c54-4f0c-8d0a-6a2c6f1f5d1e", user=staff) is None


@pytest.mark.parametrize("task_id", ["", "not a task", "../../etc/passwd", "x" * 256, "é", "id;drop table"])
def test_a_malformed_id_is_answered_without_a_query(task_id, django_assert_num_queries):
    staff = BaseUserFactory.create(is_staff=True)

    with django_assert_num_queries(0):
        assert task_ownership_get(task_id=task_id, user=staff) is None
