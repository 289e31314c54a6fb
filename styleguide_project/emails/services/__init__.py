"""The emails app's services, a module per concern:

- `creation`: READY emails from arguments or templates;
- `queueing`: SENDING and published after the commit (`email_send_all`, `email_retry`);
- `delivery`: the one delivery path, a batch over one SMTP session;
- `failures`: recording failed attempts, retried or final;
- `cancelling`: cancelling unsent emails (of a campaign, to an address), and anonymising the rest;
- `summary`: the daily summary of failed emails.

The names below are the services other apps call.
"""

from styleguide_project.emails.services.cancelling import email_anonymise_to, email_cancel, email_cancel_to
from styleguide_project.emails.services.creation import email_create, email_create_from_template
from styleguide_project.emails.services.queueing import email_retry, email_send_all

__all__ = (
    "email_anonymise_to",
    "email_cancel",
    "email_cancel_to",
    "email_create",
    "email_create_from_template",
    "email_retry",
    "email_send_all",
)
