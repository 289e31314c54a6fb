import re

from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import Value

from styleguide_project.common.models import BaseModel

# The characters `str.splitlines()` breaks on (see `subject_clean`), as a pattern: forms and APIs that check a
# subject with it refuse what the models refuse, and an OpenAPI schema states it as the field's `pattern`.
SINGLE_LINE_PATTERN = r"\A[^\n\r\x0b\x0c\x1c-\x1e\x85\u2028\u2029]*\Z"
subject_single_line = RegexValidator(SINGLE_LINE_PATTERN, message="A subject is a single line.")


def subject_clean(subject: str) -> None:
    """A subject is one line, by the measure of Python's email package.

    The email package splits header values with `str.splitlines()`, which
    breaks on more than CR and LF: vertical tab, form feed, the file, group
    and record separators, NEL, and the Unicode line and paragraph
    separators. Any of them would fold the header or fail every send (the
    guard against header injection), so a subject holds none of them.
    """
    if "".join(subject.splitlines()) != subject:
        raise ValidationError({"subject": "A subject is a single line."})


# A header field's name: printable ASCII but the colon (RFC 5322, section 2.2).
_HEADER_NAME = re.compile(r"\A[!-9;-~]+\Z")
# Set by the delivery itself (`_email_message`): an email's own headers never replace them.
RESERVED_HEADERS = frozenset(
    {"from", "to", "cc", "bcc", "reply-to", "subject", "date", "message-id", "mime-version", "content-type"}
)


def headers_clean(headers: object) -> None:
    """An email's extra headers: an object of single-line strings under valid names the delivery does not set.

    A value holds no line break by the measure of `subject_clean`: a CR or LF
    would let the value add header fields of its own (header injection).
    """
    if not isinstance(headers, dict):
        raise ValidationError({"headers": "The headers are an object of names to values."})
    for name, value in headers.items():
        if not isinstance(name, str) or not _HEADER_NAME.match(name):
            raise ValidationError({"headers": f"Not a header field name: {name!r}."})
        if name.lower() in RESERVED_HEADERS:
            raise ValidationError({"headers": f"{name} is set by the delivery, not by an email's headers."})
        if not isinstance(value, str) or "".join(value.splitlines()) != value:
            raise ValidationError({"headers": f"The value of {name} is not a single line of text."})


class Email(BaseModel):
    class Status(models.TextChoices):
        READY = "READY", "Ready"
        SENDING = "SENDING", "Sending"
        SENT = "SENT", "Sent"
        FAILED = "FAILED", "Failed"
        # Never to be sent: its campaign was cancelled, or its recipient deleted the account, before it left.
        # Final: nothing queues, retries, relays or replays a CANCELLED email
        # (each of them acts only on READY, SENDING or FAILED rows).
        CANCELLED = "CANCELLED", "Cancelled"

    to = models.EmailField()
    subject = models.CharField(max_length=255)
    html = models.TextField()
    plain_text = models.TextField()

    status = models.CharField(max_length=16, choices=Status.choices, default=Status.READY, db_index=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveIntegerField(default=0)
    last_error = models.TextField(blank=True)
    # When the retry of a failed attempt is due: recovery leaves the email alone until then.
    next_attempt_at = models.DateTimeField(null=True, blank=True)

    # Part of a mailing to many people (a campaign): delivered on the bulk
    # queue, so that it never stands in front of an email a person waits for.
    # A default in the database too: code of the release before, still running
    # while a release migrates, inserts emails without the column.
    bulk = models.BooleanField(default=False, db_default=False)
    # Header fields the delivery adds to the message, name to value (a
    # campaign's List-Unsubscribe, for one): whoever creates the email says
    # which; this app knows nothing of their meaning. An empty object in the
    # database too, for the code of the release before (see `bulk`).
    headers = models.JSONField(default=dict, db_default=Value({}, output_field=models.JSONField()), blank=True)

    def __str__(self) -> str:
        return f"{self.subject} → {self.to} ({self.status})"

    def clean(self) -> None:
        subject_clean(self.subject)
        headers_clean(self.headers)


class EmailStatusCount(models.Model):
    """A change in how many emails have a status, written by the database itself on PostgreSQL.

    Counting the emails by status reads the whole table, which grows with
    every email ever sent. Instead, triggers on the email table (migration
    `0008_email_status_counts`) add a row here for every statement that
    inserts, updates or deletes emails: one per status it changed, with the
    number gained or lost. The rows are written in the same transaction as
    the emails, so the sum by status is exactly the count by status that the
    transaction sees; they are only ever inserted, so concurrent writers never
    wait for each other here. `email_status_counts_fold` (a periodic task)
    folds them into one row per status, which keeps the sum cheap to read.
    SQLite has no such triggers: there the emails are counted directly.
    """

    status = models.CharField(max_length=16)
    delta = models.BigIntegerField()

    def __str__(self) -> str:
        return f"{self.status} {self.delta:+d}"
