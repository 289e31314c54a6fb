"""The campaign table takes the campaigns app's name, once the emails app has let go of it."""

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('campaigns', '0001_initial'),
        ('emails', '0005_campaign_leaves_emails'),
    ]

    operations = [
        migrations.AlterModelTable(
            name='emailcampaign',
            table=None,
        ),
    ]
