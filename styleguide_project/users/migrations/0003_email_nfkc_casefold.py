"""Stored emails in their new normal form: NFKC, then case-folded (`user_normalize_email`).

Needed because every lookup (login, registration, throttles) normalises the
address it is given: a row stored in the old form (lower-cased only) that the
new form changes could no longer log in. Only addresses with non-ASCII
characters can change (for ASCII, NFKC is the identity and case-folding is
lower-casing), so on most databases this updates nothing.

A row whose new form is already another row's address is the same mailbox
registered twice; the migration cannot choose which account the mailbox
keeps, so it leaves both rows as they are and prints their ids for the
operator to merge or delete.
"""

import unicodedata

from django.db import migrations


def _normalize(email):
    # A copy of users.models.user_normalize_email as it is today: a migration
    # must not change meaning when the model module changes later.
    folded = unicodedata.normalize("NFKC", email.strip()).casefold()
    return unicodedata.normalize("NFKC", folded)


def renormalize_emails(apps, schema_editor):
    BaseUser = apps.get_model("users", "BaseUser")
    taken = set(BaseUser.objects.values_list("email", flat=True))
    for user in BaseUser.objects.only("id", "email").order_by("id").iterator():
        if user.email.isascii():
            continue
        normal = _normalize(user.email)
        if normal == user.email:
            continue
        if normal in taken:
            print(f"\n  users.BaseUser {user.id}: {user.email!r} is the mailbox {normal!r} of another user; left as is.")
            continue
        taken.discard(user.email)
        taken.add(normal)
        BaseUser.objects.filter(id=user.id).update(email=normal)


class Migration(migrations.Migration):
    dependencies = [
        ("users", "0002_onboarding_reminded_at"),
    ]

    operations = [
        migrations.RunPython(renormalize_emails, migrations.RunPython.noop),
    ]
