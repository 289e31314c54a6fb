from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest
from django.core import mail

from styleguide_project.emails.models import Email
from styleguide_project.emails.services.summary import FAILED_SUMMARY_LIMIT, email_failed_summary_send
from styleguide_project.emails.tests.factories import EmailFactory
from styleguide_project.tasks.outbox.models import OutboxRun

pytestmark = pytest.mark.django_db

AMSTERDAM = ZoneInfo("Europe/Amsterdam")


def failed_at(moment: datetime, **kwargs) -> Email:
    email = EmailFactory.create(status=Email.Status.FAILED, attempts=6, last_error="SMTPDataError: 451", **kwargs)
    # updated_at is the time of the final failed attempt; auto_now would overwrite a save.
    Email.objects.filter(id=email.id).update(updated_at=moment)
    return email


def test_the_failures_of_the_day_are_mailed_to_support(settings, django_capture_on_commit_callbacks):
    settings.SUPPORT_EMAIL = "support@example.com"
    first = failed_at(datetime(2025, 6, 2, 8, 15, tzinfo=AMSTERDAM), to="ada@example.com", subject="Your invoice")
    second = failed_at(datetime(2025, 6, 2, 17, 40, tzinfo=AMSTERDAM))
    EmailFactory.create(status=Email.Status.SENT)
    failed_at(datetime(2025, 6, 1, 12, 0, tzinfo=AMSTERDAM))

    with django_capture_on_commit_callbacks(execute=True):
        summary = email_failed_summary_send(day=date(2025, 6, 2))

    assert summary is not None
    assert summary.to == "support@example.com"
    assert summary.subject == "2 emails failed on 2025-06-02"
    # It leaves through the ordinary email pipeline: queued on commit, sent by the email_send_batch task.
    summary.refresh_from_db()
    assert summary.status == Email.Status.SENT
    [message] = mail.outbox
    assert message.to == ["support@example.com"]
    assert f"#{first.id} to ada@example.com: Your invoice" in message.body
    assert f"#{second.id} to" in message.body
    assert "SMTPDataError: 451" in message.body
    assert "3 emails are FAILED in all" in message.body
    assert f"<td>{first.id}</td>" in message.alternatives[0].content  # type: ignore[attr-defined]


def test_a_day_without_failures_sends_nothing(django_capture_on_commit_callbacks):
    failed_at(datetime(2025, 6, 1, 12, 0, tzinfo=AMSTERDAM))

    with django_capture_on_commit_callbacks(execute=True):
        summary = email_failed_summary_send(day=date(2025, 6, 2))

    assert summary is None
    assert Email.objects.count() == 1
    assert mail.outbox == []


@pytest.mark.parametrize(
    ("day", "hours"),
    [(date(2025, 3, 30), 23), (date(2025, 10, 26), 25)],
    ids=["spring-forward", "fall-back"],
)
def test_the_day_is_a_calendar_day_in_time_zone_also_across_daylight_saving(settings, day, hours):
    settings.TIME_ZONE = "Europe/Amsterdam"
    start = datetime(day.year, day.month, day.day, tzinfo=AMSTERDAM)
    inside = [failed_at(start), failed_at(datetime(day.year, day.month, day.day, 23, 59, 59, tzinfo=AMSTERDAM))]
    # Just before and just after the local day: yesterday's and tomorrow's summaries.
    failed_at(datetime(day.year, day.month, day.day - 1, 23, 59, 59, tzinfo=AMSTERDAM))
    failed_at(datetime(day.year, day.month, day.day + 1, tzinfo=AMSTERDAM))

    summary = email_failed_summary_send(day=day)

    assert summary is not None
    assert summary.subject == f"2 emails failed on {day.isoformat()}"
    for email in inside:
        assert f"#{email.id} to" in summary.plain_text
    # The edges above are that far apart: a fixed 24-hour window would have
    # taken tomorrow's first failure in spring and missed 23:59:59 in autumn.
    end = datetime(day.year, day.month, day.day + 1, tzinfo=AMSTERDAM)
    assert (end.astimezone(UTC) - start.astimezone(UTC)).total_seconds() == hours * 3600


def test_a_long_list_is_cut_and_the_rest_counted():
    for _ in range(FAILED_SUMMARY_LIMIT + 2):
        failed_at(datetime(2025, 6, 2, 12, 0, tzinfo=AMSTERDAM))

    summary = email_failed_summary_send(day=date(2025, 6, 2))

    assert summary is not None
    assert summary.plain_text.count("\n- #") == FAILED_SUMMARY_LIMIT
    assert "... and 2 more." in summary.plain_text


def test_the_summary_and_its_run_are_one_transaction(settings, monkeypatch):
    failed_at(datetime(2030, 5, 1, 12, tzinfo=UTC))

    def fail_to_queue(**kwargs):
        raise RuntimeError("the queueing failed after the summary was created")

    monkeypatch.setattr("styleguide_project.emails.services.summary.email_send_all", fail_to_queue)

    with pytest.raises(RuntimeError):
        email_failed_summary_send(day=date(2030, 5, 1))

    # No READY summary is left behind for nothing to send.
    assert not Email.objects.filter(to=settings.SUPPORT_EMAIL).exists()
    assert not OutboxRun.objects.exists()
