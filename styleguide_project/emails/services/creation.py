"""Creating emails: a READY row with its rendered bodies, not yet queued."""

from typing import Any

from django.template.loader import render_to_string

from styleguide_project.emails.models import Email


def email_create(
    *, to: str, subject: str, html: str, plain_text: str, bulk: bool = False, headers: dict[str, str] | None = None
) -> Email:
    """A READY email; `bulk` for one of a mailing to many (delivered on the bulk queue).

    `headers` are header fields the delivery adds to the message (`Email.headers`), each value a single line.
    """
    email = Email(
        to=to,
        subject=subject,
        html=html,
        plain_text=plain_text,
        status=Email.Status.READY,
        bulk=bulk,
        headers=headers or {},
    )
    email.full_clean()
    email.save()
    return email


def email_create_from_template(
    *, to: str, template: str, context: dict[str, Any], bulk: bool = False, headers: dict[str, str] | None = None
) -> Email:
    """Render `emails/<template>/{subject.txt,body.html,body.txt}` into a READY email.

    The templates may come from any app's `templates/` folder: an app that sends
    its own kind of email keeps its templates with it, under `emails/<template>/`.
    """
    subject = render_to_string(f"emails/{template}/subject.txt", context).strip()
    html = render_to_string(f"emails/{template}/body.html", context)
    plain_text = render_to_string(f"emails/{template}/body.txt", context)
    return email_create(to=to, subject=subject, html=html, plain_text=plain_text, bulk=bulk, headers=headers)
