"""The budget of unsolicited emails end to end: requests → PostgreSQL → Redis → celery worker → the SMTP sink.

The throttles count in the real Redis cache; what reaches the target's mailbox is counted at the sink.
"""

import pytest

from styleguide_project.emails.models import Email
from styleguide_project.users.tests.email_flows import EMAIL_FLOWS, SPELLINGS, TARGET, EmailFlow, budget, mailbox
from testing.processes import wait_until
from testing.reports import report

pytestmark = pytest.mark.integration
ATTACKER = "198.51.100.7"
ROUNDS = 3


def all_sent() -> bool:
    statuses = set(Email.objects.values_list("status", flat=True))
    return statuses <= {Email.Status.SENT}


def test_one_client_bombing_one_mailbox_gets_no_more_than_the_budget(
    celery_worker, smtp_sink, api_client, throttle_rates
):
    # The shipped rates, counted in Redis; the throttles' clock stands still inside one window.
    throttle_rates()
    celery_worker()
    statuses: dict[str, list[int]] = {flow.name: [] for flow in EMAIL_FLOWS}

    for _ in range(ROUNDS):
        for spelling in SPELLINGS:
            for flow in EMAIL_FLOWS:
                flow.prepare(spelling)
                statuses[flow.name].append(flow.send(api_client, spelling, ATTACKER).status_code)

    created = Email.objects.count()
    wait_until(lambda: smtp_sink.count() == created and all_sent(), timeout=60, what=f"{created} emails at the sink")
    delivered = [message for message in smtp_sink.messages if mailbox(message.to[0]) == TARGET]
    per_recipient: dict[str, int] = {}
    for message in delivered:
        per_recipient[message.to[0]] = per_recipient.get(message.to[0], 0) + 1
    requests = sum(len(codes) for codes in statuses.values())
    report(
        "budget of unsolicited emails: one client bombing one mailbox (worker, SMTP sink)",
        f"{requests} requests ({len(EMAIL_FLOWS)} flows x {len(SPELLINGS)} spellings x {ROUNDS}) from {ATTACKER}: "
        f"{len(delivered)} emails reached {TARGET}'s mailbox (budget: {budget('unsolicited_email_client')} per "
        f"client, {budget('unsolicited_email_recipient')} per recipient); by recipient {per_recipient}; "
        f"answers {statuses}",
    )
    assert all(set(codes) <= {202, 429} for codes in statuses.values())
    assert 0 < len(delivered) <= budget("unsolicited_email_client")
    assert max(per_recipient.values()) <= budget("unsolicited_email_recipient")


UNREACHABLE_CACHE = {
    "default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        # Nothing listens on port 1: a refused connection, as when the cache's Redis is down.
        "LOCATION": "redis://127.0.0.1:1/0",
        "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5},
    }
}


@pytest.mark.parametrize("flow", EMAIL_FLOWS, ids=lambda flow: flow.name)
def test_while_the_cache_is_down_a_flow_answers_503_and_nothing_reaches_the_sink(
    flow: EmailFlow, celery_worker, smtp_sink, api_client, settings
):
    celery_worker()
    working_cache = settings.CACHES
    refused_address, control_address = "refused@victim.example", "control@victim.example"
    flow.prepare(refused_address)
    flow.prepare(control_address)

    settings.CACHES = UNREACHABLE_CACHE
    refused = flow.send(api_client, refused_address, ATTACKER)
    # The cache answers again: the same flow reaches the sink, so the worker would have sent the first one too.
    settings.CACHES = working_cache
    control = flow.send(api_client, control_address, ATTACKER)
    wait_until(lambda: smtp_sink.count() >= 1 and all_sent(), timeout=60, what="the control email at the sink")

    assert refused.status_code == 503
    assert refused.json() == {
        "message": "This is unavailable for a moment. Try again shortly.",
        "extra": {"wait_seconds": 30},
    }
    assert refused["Retry-After"] == "30"
    assert control.status_code == 202
    assert [message.to for message in smtp_sink.messages] == [[control_address]]
    assert not Email.objects.filter(to=refused_address).exists()
