"""Campaigns move here from the emails app, with their rows.

- The campaign table is taken over as it is, name included (state only):
  workers of the previous release still read it while a release migrates.
- Each email's link to its campaign becomes a recipient row, copied before the
  emails app drops the link (`run_before`), so that the emails app's own
  migrations never name this app.
- The content type moves too, and with it the permissions and admin history of
  the model.
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


def _recipient_columns(apps, schema_editor):
    q = schema_editor.quote_name
    Email = apps.get_model("emails", "Email")
    Recipient = apps.get_model("campaigns", "EmailCampaignRecipient")
    return q, q(Email._meta.db_table), q(Recipient._meta.db_table)


def copy_links_to_recipients(apps, schema_editor):
    # One statement, whatever the number of emails; each row keeps the time its email was created.
    q, emails, recipients = _recipient_columns(apps, schema_editor)
    schema_editor.execute(
        f"INSERT INTO {recipients} ({q('created_at')}, {q('updated_at')}, {q('campaign_id')}, {q('email_id')}, "
        f"{q('address')}) SELECT {q('created_at')}, {q('created_at')}, {q('campaign_id')}, {q('id')}, {q('to')} "
        f"FROM {emails} WHERE {q('campaign_id')} IS NOT NULL"
    )


def copy_recipients_to_links(apps, schema_editor):
    q, emails, recipients = _recipient_columns(apps, schema_editor)
    schema_editor.execute(
        f"UPDATE {emails} SET {q('campaign_id')} = (SELECT {q('campaign_id')} FROM {recipients} "
        f"WHERE {recipients}.{q('email_id')} = {emails}.{q('id')}) "
        f"WHERE {q('id')} IN (SELECT {q('email_id')} FROM {recipients})"
    )


def _content_type_move(apps, schema_editor, *, source, target):
    ContentType = apps.get_model("contenttypes", "ContentType")
    types = ContentType.objects.using(schema_editor.connection.alias)
    if types.filter(app_label=target, model="emailcampaign").exists():
        return
    types.filter(app_label=source, model="emailcampaign").update(app_label=target)


def move_content_type(apps, schema_editor):
    _content_type_move(apps, schema_editor, source="emails", target="campaigns")


def move_content_type_back(apps, schema_editor):
    _content_type_move(apps, schema_editor, source="campaigns", target="emails")


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ('contenttypes', '0002_remove_content_type_name'),
        ('emails', '0004_email_bulk'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    run_before = [
        ('emails', '0005_campaign_leaves_emails'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name='EmailCampaign',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('created_at', models.DateTimeField(auto_now_add=True, db_index=True)),
                        ('updated_at', models.DateTimeField(auto_now=True)),
                        ('subject', models.CharField(max_length=255)),
                        ('plain_text', models.TextField()),
                        ('status', models.CharField(choices=[('DRAFT', 'Draft'), ('SENDING', 'Sending'), ('DONE', 'Done'), ('FAILED', 'Failed')], db_index=True, default='DRAFT', max_length=16)),
                        ('task_id', models.CharField(blank=True, max_length=255)),
                        ('last_error', models.TextField(blank=True)),
                        ('finished_at', models.DateTimeField(blank=True, null=True)),
                        ('created_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                    ],
                    options={
                        'db_table': 'emails_emailcampaign',
                        'abstract': False,
                    },
                ),
            ],
            database_operations=[],
        ),
        migrations.CreateModel(
            name='EmailCampaignRecipient',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('created_at', models.DateTimeField(auto_now_add=True, db_index=True)),
                ('updated_at', models.DateTimeField(auto_now=True)),
                ('address', models.EmailField(max_length=254)),
                ('campaign', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='recipients', to='campaigns.emailcampaign')),
                ('email', models.OneToOneField(on_delete=django.db.models.deletion.PROTECT, related_name='campaign_recipient', to='emails.email')),
            ],
            options={
                'constraints': [models.UniqueConstraint(fields=('campaign', 'address'), name='campaigns_one_email_per_address')],
            },
        ),
        migrations.RunPython(copy_links_to_recipients, copy_recipients_to_links),
        migrations.RunPython(move_content_type, move_content_type_back),
    ]
