"""Campaigns move out of the emails app with their data: a database at the schema before the move keeps
every campaign, every email and the link between them, the code of the release before keeps working
on it while the release migrates, and it can go back."""

from datetime import UTC, datetime

import pytest
from django.contrib.auth.models import Permission
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from styleguide_project.campaigns.models import EmailCampaign, EmailCampaignRecipient
from styleguide_project.emails.models import Email

# The schema before the move: campaigns in the emails app, the link a field of the email.
BEFORE = [("emails", "0003_emailcampaign")]
SENT_AT = datetime(2025, 3, 1, 9, tzinfo=UTC)


def migrate(targets):
    """Migrate the test database to `targets` and return the models as they were there."""
    executor = MigrationExecutor(connection)
    executor.migrate(targets)
    executor.loader.build_graph()
    return executor.loader.project_state(targets).apps


def latest():
    return MigrationExecutor(connection).loader.graph.leaf_nodes()


def columns(table):
    with connection.cursor() as cursor:
        return {column.name for column in connection.introspection.get_table_description(cursor, table)}


@pytest.fixture
def database_before_the_move(transactional_db):
    # The content types as they were: the campaign's own was the emails app's.
    ContentType.objects.filter(app_label="campaigns").delete()
    old_type = ContentType.objects.create(app_label="emails", model="emailcampaign")
    permission = Permission.objects.create(content_type=old_type, codename="send_emailcampaign", name="Can send")
    old = migrate(BEFORE)
    yield old, permission
    # The rest of the suite needs the schema of today, whatever happened in the test.
    migrate(latest())


def test_campaigns_their_emails_and_the_links_survive_the_move_and_the_way_back(database_before_the_move):
    # given: at the old schema, two campaigns with emails, an email of no campaign, an author
    old, permission = database_before_the_move
    author = old.get_model("users", "BaseUser").objects.create(email="staff@example.com", password="!")
    old_campaigns = old.get_model("emails", "EmailCampaign").objects
    old_emails = old.get_model("emails", "Email").objects
    spring = old_campaigns.create(subject="Spring", plain_text="Hi", status="DONE", created_by=author)
    autumn = old_campaigns.create(subject="Autumn", plain_text="Hi", status="FAILED", last_error="Boom")
    draft = old_campaigns.create(subject="Draft", plain_text="Hi")
    email = {"subject": "Spring", "html": "<p>Hi</p>", "plain_text": "Hi"}
    sent = [
        old_emails.create(to=f"reader{n}@example.com", campaign=spring, status="SENT", sent_at=SENT_AT, **email)
        for n in range(3)
    ]
    failed = old_emails.create(to="reader0@example.com", campaign=autumn, status="FAILED", **email)
    transactional = old_emails.create(to="ada@example.com", **email)
    emails_before = sorted(old_emails.values_list("id", "to", "status", "sent_at", "created_at"))

    # when: migrated to today's schema
    migrate(latest())

    # then: every campaign as it was
    assert sorted(EmailCampaign.objects.values_list("id", "subject", "status", "created_by_id", "last_error")) == [
        (spring.id, "Spring", "DONE", author.id, ""),
        (autumn.id, "Autumn", "FAILED", None, "Boom"),
        (draft.id, "Draft", "DRAFT", None, ""),
    ]
    # every email as it was, those of a campaign now bulk
    assert sorted(Email.objects.values_list("id", "to", "status", "sent_at", "created_at")) == emails_before
    assert set(Email.objects.filter(bulk=True).values_list("id", flat=True)) == {e.id for e in [*sent, failed]}
    # a recipient row per campaign email, as old as its email
    assert sorted(
        EmailCampaignRecipient.objects.values_list("campaign_id", "email_id", "address", "created_at")
    ) == sorted(
        [(spring.id, e.id, e.to, e.created_at) for e in sent] + [(autumn.id, failed.id, failed.to, failed.created_at)]
    )
    assert not EmailCampaignRecipient.objects.filter(email_id=transactional.id).exists()
    # the content type moved, its permissions with it
    permission.refresh_from_db()
    assert (permission.content_type.app_label, permission.content_type.model) == ("campaigns", "emailcampaign")
    # and new campaigns are numbered after the old ones
    assert EmailCampaign.objects.create(subject="New", plain_text="Hi").id > draft.id

    # when: a worker of the release before, still running while the release migrates, reads and writes as it did
    reads = old_emails.filter(campaign=spring).count()
    late = old_emails.create(to="late@example.com", campaign=autumn, status="SENDING", **email)
    old_campaigns.filter(id=autumn.id).update(status="DONE")

    # then: its tables and columns are still there, and today's code sees what it wrote
    assert "campaign_id" in columns("emails_email")
    assert reads == 3
    assert EmailCampaign.objects.get(id=autumn.id).status == "DONE"
    assert Email.objects.get(id=late.id).to == "late@example.com"

    # when: migrated back
    old = migrate(BEFORE)

    # then: the links are fields of the emails again
    old_emails = old.get_model("emails", "Email").objects
    assert sorted(old_emails.exclude(campaign=None).values_list("id", "campaign_id")) == sorted(
        [(e.id, spring.id) for e in sent] + [(failed.id, autumn.id), (late.id, autumn.id)]
    )
    assert old_emails.get(id=transactional.id).campaign_id is None
    permission.refresh_from_db()
    assert permission.content_type.app_label == "emails"
