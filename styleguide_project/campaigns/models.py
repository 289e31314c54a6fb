from django.conf import settings
from django.db import models

from styleguide_project.common.models import BaseModel
from styleguide_project.emails.models import Email, subject_clean


class EmailCampaign(BaseModel):
    """One message sent by staff to every user who receives campaigns (the users app says who), one `Email` per user."""

    class Status(models.TextChoices):
        DRAFT = "DRAFT", "Draft"
        # A task is creating the emails and queueing them, a chunk at a time.
        SENDING = "SENDING", "Sending"
        # Every recipient's email has been created and queued; each is delivered on its own.
        DONE = "DONE", "Done"
        # The task failed; sending it again carries on with the users not emailed yet.
        FAILED = "FAILED", "Failed"
        # Stopped by staff: no more of its emails are created, and those not handed to the SMTP server
        # are CANCELLED. Final: it is never sent again (a copy of it can be).
        CANCELLED = "CANCELLED", "Cancelled"

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
    cancelled_at = models.DateTimeField(null=True, blank=True)
    cancelled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        # The name it had in the emails app: workers of the previous release
        # still read it while a release migrates (docs/deploy.md, "Deploy order").
        db_table = "emails_emailcampaign"

    def __str__(self) -> str:
        return f"{self.subject} ({self.status})"

    def clean(self) -> None:
        subject_clean(self.subject)


class EmailCampaignRecipient(BaseModel):
    """An address a campaign has emailed, and the email it sent there: the campaign's side of the link.

    The link lives here, not as a field of `Email`, so that the arrow runs one
    way: campaigns know emails, emails know nothing of campaigns.
    """

    # PROTECT both ways: a campaign that has emailed people is part of their
    # history and cannot be deleted from under them, and neither can one of its
    # emails (the campaign would forget it reached that address, and email it
    # again when it is sent again).
    campaign = models.ForeignKey(EmailCampaign, on_delete=models.PROTECT, related_name="recipients")
    email = models.OneToOneField(Email, on_delete=models.PROTECT, related_name="campaign_recipient")
    # The email's `to`, repeated here so that the database can hold the rule below.
    address = models.EmailField()

    class Meta:
        constraints = [
            # A campaign emails each address once, even if two runs race: the
            # second run's chunk fails on this and rolls back with its emails.
            models.UniqueConstraint(fields=["campaign", "address"], name="campaigns_one_email_per_address"),
        ]

    def __str__(self) -> str:
        return f"{self.address} ({self.campaign_id})"
