"""The kept SMTP connection, against a real SMTP server (aiosmtpd) on loopback."""

import smtplib
from collections.abc import Iterator

import pytest
from django.core.mail import EmailMessage

from styleguide_project.emails.connection import email_connection_close, email_connection_send
from testing.smtp import SmtpSink


def use_smtp(settings, server: SmtpSink) -> None:
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = server.host, server.port
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
    settings.EMAIL_CONNECTION_IDLE_CHECK_SECONDS = 5
    settings.EMAIL_CONNECTION_MAX_MESSAGES = 100


@pytest.fixture
def sink(settings) -> Iterator[SmtpSink]:
    server = SmtpSink()
    with server.running():
        use_smtp(settings, server)
        yield server
    email_connection_close()


def send(number: int) -> None:
    email_connection_send(EmailMessage(f"Message {number}", "Hello", "from@example.com", [f"to{number}@example.com"]))


def sessions(sink: SmtpSink) -> list[str]:
    """The SMTP session of each message, in order, numbered from 0."""
    numbers: dict[str, int] = {}
    return [str(numbers.setdefault(message.peer, len(numbers))) for message in sink.messages]


def test_messages_share_one_session(sink):
    for number in range(3):
        send(number)

    assert [message.subject for message in sink.messages] == ["Message 0", "Message 1", "Message 2"]
    assert sessions(sink) == ["0", "0", "0"]


def test_a_new_session_after_the_most_messages_one_may_carry(sink, settings):
    settings.EMAIL_CONNECTION_MAX_MESSAGES = 2

    for number in range(5):
        send(number)

    assert sessions(sink) == ["0", "0", "1", "1", "2"]


def test_an_error_closes_the_session_and_the_next_message_opens_a_new_one(sink):
    send(0)
    sink.refuse_with = "451 4.3.0 Try again later"

    with pytest.raises(smtplib.SMTPDataError):
        send(1)
    sink.refuse_with = None
    send(2)

    assert [message.subject for message in sink.messages] == ["Message 0", "Message 2"]
    assert sessions(sink) == ["0", "1"]


def test_a_session_the_server_dropped_while_idle_is_replaced(settings):
    first = SmtpSink()
    use_smtp(settings, first)
    # Every reuse is checked first, as after EMAIL_CONNECTION_IDLE_CHECK_SECONDS idle.
    settings.EMAIL_CONNECTION_IDLE_CHECK_SECONDS = 0
    with first.running():
        send(0)

    # The server restarted on the same port: the kept session died with the old one.
    restarted = SmtpSink(port=first.port)
    try:
        with restarted.running():
            send(1)
    finally:
        email_connection_close()

    assert [message.subject for message in first.messages] == ["Message 0"]
    assert [message.subject for message in restarted.messages] == ["Message 1"]


def test_a_changed_email_setting_drops_the_kept_session(sink, settings):
    send(0)

    settings.EMAIL_TIMEOUT = 7
    send(1)

    assert sessions(sink) == ["0", "1"]
