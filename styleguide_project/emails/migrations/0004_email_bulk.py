from django.db import migrations, models


def mark_campaign_emails_bulk(apps, schema_editor):
    # Until now an email went to the bulk queue because it had a campaign; the flag says it from here on.
    Email = apps.get_model("emails", "Email")
    Email.objects.filter(campaign__isnull=False).update(bulk=True)


class Migration(migrations.Migration):

    dependencies = [
        ('emails', '0003_emailcampaign'),
    ]

    operations = [
        migrations.AddField(
            model_name='email',
            name='bulk',
            field=models.BooleanField(db_default=False, default=False),
        ),
        migrations.RunPython(mark_campaign_emails_bulk, migrations.RunPython.noop),
    ]
