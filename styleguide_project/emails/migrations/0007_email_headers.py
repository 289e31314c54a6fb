"""The email's extra header fields (`Email.headers`), an empty object by default in the database too.

On SQLite, Django adds a NOT NULL column by rebuilding the table from the
model's state, which no longer has the `campaign_id` column that 0005 keeps
in the database for the previous release's workers: the rebuild would drop
it. So the column is added with a plain ADD COLUMN, on SQLite as on PostgreSQL
(where it is what Django would run).
"""

from django.db import migrations, models


def add_column(apps, schema_editor):
    Email = apps.get_model("emails", "Email")
    q = schema_editor.quote_name
    if schema_editor.connection.vendor == "sqlite":
        column = f"text NOT NULL DEFAULT '{{}}' CHECK (JSON_VALID({q('headers')}))"
    else:
        column = "jsonb NOT NULL DEFAULT '{}'::jsonb"
    schema_editor.execute(f"ALTER TABLE {q(Email._meta.db_table)} ADD COLUMN {q('headers')} {column}")


def drop_column(apps, schema_editor):
    Email = apps.get_model("emails", "Email")
    q = schema_editor.quote_name
    schema_editor.execute(f"ALTER TABLE {q(Email._meta.db_table)} DROP COLUMN {q('headers')}")


class Migration(migrations.Migration):

    dependencies = [
        ('emails', '0006_email_cancelled'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AddField(
                    model_name='email',
                    name='headers',
                    field=models.JSONField(blank=True, db_default=models.Value({}, output_field=models.JSONField()), default=dict),
                ),
            ],
            database_operations=[migrations.RunPython(add_column, drop_column)],
        ),
    ]
