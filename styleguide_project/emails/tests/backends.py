"""A real Django email backend that fails a set number of times first.

It stands in for an SMTP server that is briefly down: the project code under
test runs unchanged, only the backend (a setting) differs.
"""

import smtplib
from collections.abc import Sequence

from django.core.mail import EmailMessage
from django.core.mail.backends.locmem import EmailBackend


class FlakyEmailBackend(EmailBackend):
    # This many messages go through before the failures start.
    delivers_first = 0
    failures_left = 0
    error: type[Exception] = smtplib.SMTPServerDisconnected
    calls = 0

    def send_messages(self, email_messages: Sequence[EmailMessage]) -> int:
        FlakyEmailBackend.calls += 1
        if FlakyEmailBackend.delivers_first > 0:
            FlakyEmailBackend.delivers_first -= 1
        elif FlakyEmailBackend.failures_left > 0:
            FlakyEmailBackend.failures_left -= 1
            raise FlakyEmailBackend.error("Connection unexpectedly closed")
        return super().send_messages(email_messages)
