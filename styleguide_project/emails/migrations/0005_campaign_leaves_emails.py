"""Campaigns leave the emails app: the email's link to a campaign goes, and so does the model.

The app that takes campaigns over copies the links before this runs (its
migration declares `run_before` this one), and keeps the table: only the
emails app's record of the model is deleted, not the table.
"""

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('emails', '0004_email_bulk'),
    ]

    operations = [
        migrations.RemoveConstraint(
            model_name='email',
            name='emails_email_one_per_campaign_and_address',
        ),
        migrations.RemoveField(
            model_name='email',
            name='campaign',
        ),
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.DeleteModel(name='EmailCampaign')],
            database_operations=[],
        ),
    ]
