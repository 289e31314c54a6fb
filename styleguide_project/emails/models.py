from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models

from styleguide_project.common.models import BaseModel

# The characters `str.splitlines()` breaks on (see `_subject_clean`), as a pattern: forms and APIs that check a
# subject with it refuse what the models refuse, and an OpenAPI schema states it as the field's `pattern`.
SINGLE_LINE_PATTERN = r"\A[^\n\r\x0b\x0c\x1c-\x1e\x85\u2028\u2029]*\Z"
subject_single_line = RegexValidator(SINGLE_LINE_PATTERN, message="A subject is a single line.")


def _subject_clean(subject: str) -> None:
    """A subject is one line, by the measure of Python's email package.

    The email package splits header values with `str.splitlines()`, which
    breaks on more than CR and LF: vertical tab, form feed, the file, group
    and record separators, NEL, and the Unicode line and paragraph
    separators. Any of them would fold the header or fail every send (the
    guard against header injection), so a subject holds none of them.
    """
    if "".join(subject.splitlines()) != subject:
        raise ValidationError({"subject": "A subject is a single line."})


class EmailCampaign(BaseModel):
    """One message sent by staff to every onboarded, active user with a verified address, one `Email` per user."""

    class Status(models.TextChoices):
        DRAFT = "DRAFT", "Draft"
        # A task is creating the emails and queueing them, a chunk at a time.
        SENDING = "SENDING", "Sending"
        # Every recipient's email has been created and queued; each is delivered on its own.
        DONE = "DONE", "Done"
        # The task failed; sending it again carries on with the users not emailed yet.
        FAILED = "FAILED", "Failed"

    subject = models.CharField(max_length=255)
    plain_text = models.TextField()
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.DRAFT, db_index=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # The run of the last send, for its progress page.
    task_id = models.CharField(max_length=255, blank=True)
    last_error = models.TextField(blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.subject} ({self.status})"

    def clean(self) -> None:
        _subject_clean(self.subject)


class Email(BaseModel):
    class Status(models.TextChoices):
        READY = "READY", "Ready"
        SENDING = "SENDING", "Sending"
        SENT = "SENT", "Sent"
        FAILED = "FAILED", "Failed"

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

    # Set for the emails of a campaign. PROTECT: a campaign that has emailed
    # people is part of their history and cannot be deleted from under them.
    campaign = models.ForeignKey(EmailCampaign, null=True, blank=True, on_delete=models.PROTECT, related_name="emails")

    class Meta:
        constraints = [
            # A campaign emails each address once, even if two runs race (NULLs never collide).
            models.UniqueConstraint(fields=["campaign", "to"], name="emails_email_one_per_campaign_and_address"),
        ]

    def __str__(self) -> str:
        return f"{self.subject} → {self.to} ({self.status})"

    def clean(self) -> None:
        _subject_clean(self.subject)
