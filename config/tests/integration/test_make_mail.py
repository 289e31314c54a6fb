"""`make mail`: a local SMTP server that prints what it receives, stopped by Ctrl-C without an error."""

import signal
import smtplib
import socket

import pytest

from testing.processes import ManagedProcess, free_port, process_env, wait_until

pytestmark = pytest.mark.integration


def listening(port: int) -> bool:
    with socket.socket() as sock:
        return sock.connect_ex(("127.0.0.1", port)) == 0


def test_make_mail_prints_each_message_and_stops_cleanly_on_ctrl_c():
    port = free_port()
    sink = ManagedProcess(["make", "--no-print-directory", "mail", f"MAIL_PORT={port}"], env=process_env(), name="mail")
    sink.start()
    try:
        wait_until(lambda: listening(port), timeout=120, what="make mail listening")
        with smtplib.SMTP("127.0.0.1", port, timeout=10) as smtp:
            smtp.sendmail("app@localhost", ["ada@example.com"], "Subject: Welcome\r\n\r\nHello, Ada.\r\n")
        sink.wait_for_output(r"Hello, Ada\.", timeout=10)

        # What Ctrl-C in a terminal does: SIGINT to the whole foreground group.
        sink.signal(signal.SIGINT)
        assert sink.proc is not None
        # make passes the SIGINT on to itself once the recipe is done, as make does.
        assert sink.proc.wait(timeout=10) in (0, -signal.SIGINT), sink.output
    finally:
        sink.stop()

    assert "Subject: Welcome" in sink.output
    # No "make: *** ... Error 130" nor "Interrupt": the recipe ended well.
    assert "***" not in sink.output, sink.output
