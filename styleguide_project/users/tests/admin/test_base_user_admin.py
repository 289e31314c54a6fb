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


def change(superuser_client, user, email):
    page = superuser_client.get(f"{URL}{user.pk}/change/")
    form = page.context["adminform"].form
    data = {name: value for name, value in form.initial.items() if value is not None and name != "groups"}
    data.update(email=email, user_permissions=[], groups=[])
    return superuser_client.post(f"{URL}{user.pk}/change/", data)


def test_an_email_changed_in_the_admin_is_stored_normalised(superuser_client):
    user = BaseUserFactory.create(email="ada@example.com")

    fullwidth_example = "\uff25\uff38\uff21\uff2d\uff30\uff2c\uff25"
    response = change(superuser_client, user, f"  Grace@{fullwidth_example}.com ")

    assert response.status_code == 302
    user.refresh_from_db()
    assert user.email == "grace@example.com"


def test_another_spelling_of_a_taken_email_is_refused_in_the_admin(superuser_client):
    BaseUserFactory.create(email="grace@example.com")
    user = BaseUserFactory.create(email="ada@example.com")

    response = change(superuser_client, user, "GRACE@Example.COM")

    assert response.status_code == 200
    assert response.context["adminform"].form.errors["email"] == ["A user with this email address already exists."]
    user.refresh_from_db()
    assert user.email == "ada@example.com"


def test_deleting_in_the_admin_follows_the_deletion_policy(superuser_client):
    from styleguide_project.emails.models import Email
    from styleguide_project.emails.tests.factories import EmailFactory
    from styleguide_project.users.models import BaseUser

    users = BaseUserFactory.create_batch(2)
    queued = [EmailFactory.create(to=user.email, status=Email.Status.SENDING) for user in users]

    one = superuser_client.post(f"{URL}{users[0].pk}/delete/", {"post": "yes"})
    bulk = superuser_client.post(URL, {"action": "delete_selected", "_selected_action": [users[1].pk], "post": "yes"})

    assert (one.status_code, bulk.status_code) == (302, 302)
    assert not BaseUser.objects.filter(id__in=[user.id for user in users]).exists()
    assert set(Email.objects.filter(id__in=[email.id for email in queued]).values_list("status", flat=True)) == {
        Email.Status.CANCELLED
    }
    # An operator's deletion sends the person nothing.
    assert not Email.objects.exclude(id__in=[email.id for email in queued]).exists()
