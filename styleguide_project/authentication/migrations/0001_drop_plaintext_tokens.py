"""API tokens used to be DRF's, stored in plain text in `authtoken_token`.

They are dropped rather than moved: a digest made from a stored plain token
would keep a token alive that may already have leaked. Every client logs in
again once (README, Security).
"""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies: list[tuple[str, str]] = []

    operations = [
        migrations.RunSQL("DROP TABLE IF EXISTS authtoken_token", reverse_sql=migrations.RunSQL.noop),
    ]
