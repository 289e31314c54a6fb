from django.db import models

from styleguide_project.common.models import BaseModel


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

    def __str__(self) -> str:
        return f"{self.subject} → {self.to} ({self.status})"
