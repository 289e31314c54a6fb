"""Creating emails: a READY row with its rendered bodies, not yet queued."""

from typing import Any

from django.template.loader import render_to_string

from styleguide_project.emails.models import Email, EmailCampaign


def email_create(*, to: str, subject: str, html: str, plain_text: str, campaign: EmailCampaign | None = None) -> Email:
    email = Email(
        to=to, subject=subject, html=html, plain_text=plain_text, status=Email.Status.READY, campaign=campaign
    )
    email.full_clean()
    email.save()
    return email


def email_create_from_template(
    *, to: str, template: str, context: dict[str, Any], campaign: EmailCampaign | None = None
) -> Email:
    """Render `emails/<template>/{subject.txt,body.html,body.txt}` into a READY email."""
    subject = render_to_string(f"emails/{template}/subject.txt", context).strip()
    html = render_to_string(f"emails/{template}/body.html", context)
    plain_text = render_to_string(f"emails/{template}/body.txt", context)
    return email_create(to=to, subject=subject, html=html, plain_text=plain_text, campaign=campaign)
