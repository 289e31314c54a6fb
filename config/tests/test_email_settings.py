import pytest
from django.core.exceptions import ImproperlyConfigured

from config.settings.email import env_send_rate


@pytest.mark.parametrize(
    ("value", "per_second"),
    [("14/s", 14.0), ("600/m", 10.0), ("1800/h", 0.5), (" 2.5 / s ", 2.5), ("", None), ("  ", None)],
)
def test_a_sending_rate_reads_as_emails_per_second(monkeypatch, value, per_second):
    monkeypatch.setenv("EMAIL_SEND_RATE", value)

    assert env_send_rate("EMAIL_SEND_RATE") == per_second


def test_no_sending_rate_means_no_limit(monkeypatch):
    monkeypatch.delenv("EMAIL_SEND_RATE", raising=False)

    assert env_send_rate("EMAIL_SEND_RATE") is None


@pytest.mark.parametrize("value", ["14", "14/d", "0/s", "-1/s", "fast", "14/s/m"])
def test_a_bad_sending_rate_names_the_variable(monkeypatch, value):
    monkeypatch.setenv("EMAIL_SEND_RATE", value)

    with pytest.raises(ImproperlyConfigured, match="EMAIL_SEND_RATE"):
        env_send_rate("EMAIL_SEND_RATE")
