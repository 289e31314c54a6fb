"""Keeping the counts of emails by status cheap to read (see `EmailStatusCount`)."""

from django.db import connection, transaction

from styleguide_project.emails.models import EmailStatusCount

_TABLE = EmailStatusCount._meta.db_table


@transaction.atomic
def email_status_counts_fold() -> int:
    """Fold the changes the triggers wrote into one row per status; returns how many rows were folded.

    One statement: the rows it deletes are the rows it sums, and a change
    committed meanwhile is left for the next fold. Two folds at once each
    fold what the other did not (the second waits for the first's rows and
    then skips them). Nothing to do on SQLite, which has no such rows.
    """
    if connection.vendor != "postgresql":
        return 0
    with connection.cursor() as cursor:
        cursor.execute(
            # The table name comes from the model.
            f"WITH folded AS (DELETE FROM {_TABLE} RETURNING status, delta),"  # noqa: S608
            f" kept AS (INSERT INTO {_TABLE} (status, delta)"
            "  SELECT status, sum(delta) FROM folded GROUP BY status HAVING sum(delta) <> 0 RETURNING 1)"
            " SELECT (SELECT count(*) FROM folded), (SELECT count(*) FROM kept)"
        )
        folded, kept = cursor.fetchone()
    return int(folded) - int(kept)
