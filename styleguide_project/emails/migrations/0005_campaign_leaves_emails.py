"""Campaigns leave the emails app: the email's link to a campaign goes, and so does the model.

The app that takes campaigns over copies the links before this runs (its
migration declares `run_before` this one) and keeps the table.

Only the emails app's record changes; the database keeps the column, its
constraint and the table. Workers of the previous release keep running while a
release migrates (docs/deploy.md, "Deploy order"), and every query they make
on emails names the column. Dropping it is a migration of its own, for a
release that no process of the previous one outlives.
"""

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('emails', '0004_email_bulk'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.RemoveConstraint(
                    model_name='email',
                    name='emails_email_one_per_campaign_and_address',
                ),
                migrations.RemoveField(
                    model_name='email',
                    name='campaign',
                ),
                migrations.DeleteModel(name='EmailCampaign'),
            ],
            database_operations=[],
        ),
    ]
