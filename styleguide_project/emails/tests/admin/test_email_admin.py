import pytest
from django.core import mail

from styleguide_project.emails.models import Email
from styleguide_project.emails.tests.factories import EmailFactory
from styleguide_project.users.tests.factories import BaseUserFactory

pytestmark = pytest.mark.django_db


def test_send_selected_action_queues_the_emails(client, django_capture_on_commit_callbacks):
    admin = BaseUserFactory.create(is_staff=True, is_superuser=True)
    client.force_login(admin)
    ready, sent = EmailFactory.create(), EmailFactory.create(status=Email.Status.SENT)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/admin/emails/email/",
            {"action": "send_selected", "_selected_action": [ready.id, sent.id]},
            follow=True,
        )

    assert response.status_code == 200
    assert "Queued 1 emails; skipped 1 already sent or sending." in response.content.decode()
    assert [m.to for m in mail.outbox] == [[ready.to]]


def test_changelist_does_not_load_the_bodies(client):
    client.force_login(BaseUserFactory.create(is_staff=True, is_superuser=True))
    EmailFactory.create(html="<p>big body</p>")

    response = client.get("/admin/emails/email/")

    assert response.status_code == 200
    queryset = response.context["cl"].queryset
    assert queryset.query.deferred_loading == ({"html", "plain_text"}, True)


@pytest.mark.parametrize("rows", [2, 12])
def test_changelist_query_count_does_not_grow_with_the_rows(client, django_assert_num_queries, rows):
    # given: bulk and transactional emails
    client.force_login(BaseUserFactory.create(is_staff=True, is_superuser=True))
    for number in range(rows):
        EmailFactory.create(bulk=number % 2 == 0)

    # when
    with django_assert_num_queries(5):
        response = client.get("/admin/emails/email/")

    # then: the session, the user, two COUNTs and the page, at 2 rows as at 12
    assert response.status_code == 200
    assert response.context["cl"].result_count == rows


def test_staff_who_may_only_view_emails_cannot_send_them(client):
    email = EmailFactory.create()
    client.force_login(BaseUserFactory.create(is_staff=True, permissions=["emails.view_email"]))

    listing = client.get("/admin/emails/email/")
    client.post("/admin/emails/email/", {"action": "send_selected", "_selected_action": [email.id]})

    assert listing.status_code == 200
    assert "send_selected" not in listing.content.decode()
    email.refresh_from_db()
    assert email.status == Email.Status.READY
