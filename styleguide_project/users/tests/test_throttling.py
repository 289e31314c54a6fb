"""The budget of unsolicited emails: per recipient however spelled, per client whatever the recipients, closed
while the cache is down."""

from typing import Any

import pytest
from django.core import mail
from rest_framework import serializers, status
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.test import APIRequestFactory
from rest_framework.views import APIView

from styleguide_project.api.tests.assertions import assert_throttled
from styleguide_project.api.throttling import AnonRateThrottle
from styleguide_project.emails.models import Email
from styleguide_project.users.tests.email_flows import EMAIL_FLOWS, SPELLINGS, TARGET, account_for, budget, mailbox
from styleguide_project.users.tests.factories import BaseUserFactory
from styleguide_project.users.throttling import UNSOLICITED_EMAIL_THROTTLES
from testing.reports import report

pytestmark = pytest.mark.django_db
REGISTER = "/api/users/"
RESEND = "/api/users/me/email/verify/resend/"
ATTACKER = "198.51.100.7"


def register(client, email, client_ip=ATTACKER):
    body = {"email": email, "password": "a-long-password-1"}
    return client.post(REGISTER, body, format="json", REMOTE_ADDR=client_ip)


def test_every_spelling_of_an_address_is_one_recipient(api_client, throttle_rates):
    throttle_rates(unsolicited_email_recipient="2/hour", unsolicited_email_client="100/hour")
    spellings = ["ada@example.com", "ADA@Example.COM", "ada@\uff45\uff58\uff41\uff4d\uff50\uff4c\uff45.com"]

    # From three clients: only the recipient's count can refuse.
    responses = [register(api_client, email, f"203.0.113.{n}") for n, email in enumerate(spellings)]

    assert [r.status_code for r in responses[:2]] == [202, 202]
    assert_throttled(responses[2], period_seconds=3600)


def test_a_tag_is_another_recipient_but_the_same_client(api_client, throttle_rates):
    throttle_rates(unsolicited_email_recipient="1/hour", unsolicited_email_client="3/hour")

    statuses = [register(api_client, f"target+{n}@victim.example").status_code for n in range(4)]
    other_client = register(api_client, "target+9@victim.example", "203.0.113.1")

    assert statuses == [202, 202, 202, 429]
    assert other_client.status_code == 202


def test_an_ipv6_client_is_one_client_per_64_network(api_client, throttle_rates):
    throttle_rates(unsolicited_email_client="1/hour")

    first = register(api_client, "ada+1@example.com", "2001:db8:1:2::1")
    same_network = register(api_client, "ada+2@example.com", "2001:db8:1:2:ffff::9")
    other_network = register(api_client, "ada+3@example.com", "2001:db8:1:3::1")

    assert (first.status_code, same_network.status_code, other_network.status_code) == (202, 429, 202)


def test_a_client_over_its_budget_spends_no_recipients_budget(api_client, throttle_rates):
    throttle_rates(unsolicited_email_recipient="2/hour", unsolicited_email_client="1/hour")

    first = register(api_client, "ada@example.com")
    refused = [register(api_client, "ada@example.com").status_code for _ in range(5)]
    # The five refused requests left the recipient's second email for someone else.
    from_elsewhere = register(api_client, "ada@example.com", "203.0.113.1")
    third = register(api_client, "ada@example.com", "203.0.113.2")

    assert (first.status_code, refused, from_elsewhere.status_code) == (202, [429] * 5, 202)
    assert third.status_code == 429


def test_the_budget_does_not_tell_whether_an_address_has_an_account(api_client, throttle_rates):
    throttle_rates(unsolicited_email_recipient="2/hour", unsolicited_email_client="100/hour")
    taken = BaseUserFactory.create(email="taken@example.com").email

    answers = {
        email: [(r.status_code, r.json()["message"]) for r in (register(api_client, email) for _ in range(3))]
        for email in (taken, "free@example.com")
    }

    assert answers[taken] == answers["free@example.com"]
    assert [code for code, _ in answers[taken]] == [202, 202, 429]


def test_a_request_that_names_no_valid_address_spends_nothing(api_client, throttle_rates):
    throttle_rates(unsolicited_email_client="1/hour")

    refused = [register(api_client, address).status_code for address in ("not-an-address", "", "a@b@c")]
    body_not_an_object = api_client.post(REGISTER, ["ada@example.com"], format="json", REMOTE_ADDR=ATTACKER)
    sent = register(api_client, "ada@example.com")

    assert (refused, body_not_an_object.status_code, sent.status_code) == ([400, 400, 400], 400, 202)


def test_a_verified_callers_resend_spends_nothing(api_client, throttle_rates):
    throttle_rates(unsolicited_email_client="1/hour", email_verification_resend="100/hour")
    api_client.force_authenticate(BaseUserFactory.create())

    resends = [api_client.post(RESEND, REMOTE_ADDR=ATTACKER).status_code for _ in range(3)]
    api_client.force_authenticate(None)
    registration = register(api_client, "ada@example.com")

    assert (resends, registration.status_code) == ([400, 400, 400], 202)


def test_resend_and_registration_share_the_recipients_budget(api_client, throttle_rates):
    throttle_rates(unsolicited_email_recipient="2/hour", unsolicited_email_client="100/hour")
    api_client.force_authenticate(account_for("ada@example.com"))

    resends = [api_client.post(RESEND, REMOTE_ADDR=f"203.0.113.{n}").status_code for n in range(2)]
    api_client.force_authenticate(None)
    registration = register(api_client, "ADA@example.com")

    assert resends == [202, 202]
    assert registration.status_code == 429


class _EmailChangeApi(APIView):
    """Emails the address in `new_email` and a notice to `old_email`: two recipients, one request."""

    authentication_classes: list[type] = []
    permission_classes = [AllowAny]
    throttle_classes = [AnonRateThrottle, *UNSOLICITED_EMAIL_THROTTLES]

    def unsolicited_email_recipients(self, request: Request) -> list[Any]:
        # As submitted: the budget validates and normalises them.
        data = request.data if isinstance(request.data, dict) else {}
        return [data.get("new_email"), data.get("old_email")]

    def post(self, request: Request) -> Response:
        return Response(status=status.HTTP_202_ACCEPTED)


class _InviteApi(APIView):
    authentication_classes: list[type] = []
    permission_classes = [AllowAny]
    throttle_classes = [AnonRateThrottle, *UNSOLICITED_EMAIL_THROTTLES]
    unsolicited_email_field = "invitee"

    class InputSerializer(serializers.Serializer[dict[str, str]]):
        invitee = serializers.EmailField()

    def post(self, request: Request) -> Response:
        return Response(status=status.HTTP_202_ACCEPTED)


def test_a_view_names_its_recipients_field_or_lists_its_recipients(throttle_rates):
    throttle_rates(unsolicited_email_recipient="1/hour", unsolicited_email_client="100/hour")
    factory = APIRequestFactory()

    def call(view, body, n):
        return view.as_view()(factory.post("/", body, format="json", REMOTE_ADDR=f"203.0.113.{n}")).status_code

    invites = [call(_InviteApi, {"invitee": "Ada@Example.com", "email": f"x{n}@example.com"}, n) for n in range(2)]
    # The old address was told once already: a second change from it is refused, whatever the new address.
    changes = [
        call(_EmailChangeApi, {"new_email": f"new{n}@example.com", "old_email": "OLD@example.com"}, n) for n in range(2)
    ]

    assert invites == [202, 429]
    assert changes == [202, 429]


@pytest.mark.parametrize("flow", EMAIL_FLOWS, ids=lambda flow: flow.name)
def test_while_the_cache_is_down_every_flow_answers_503_and_sends_nothing(
    flow, api_client, unreachable_cache, django_capture_on_commit_callbacks
):
    flow.prepare(TARGET)

    with django_capture_on_commit_callbacks(execute=True):
        response = flow.send(api_client, TARGET, ATTACKER)

    # The general throttles before the budget let the request through uncounted; the budget refuses it.
    assert response.status_code == 503
    assert response.json() == {
        "message": "This is unavailable for a moment. Try again shortly.",
        "extra": {"wait_seconds": 30},
    }
    assert response["Retry-After"] == "30"
    assert Email.objects.count() == 0
    assert mail.outbox == []


def test_bombing_one_mailbox_from_one_client_stays_within_the_budget(
    api_client, throttle_rates, django_capture_on_commit_callbacks
):
    # The shipped rates; the throttles' clock stands still inside one window.
    throttle_rates()
    statuses = []

    for _ in range(3):
        for spelling in SPELLINGS:
            for flow in EMAIL_FLOWS:
                flow.prepare(spelling)
                with django_capture_on_commit_callbacks(execute=True):
                    statuses.append(flow.send(api_client, spelling, ATTACKER).status_code)

    delivered = [message for message in mail.outbox if mailbox(message.to[0]) == TARGET]
    per_recipient: dict[str, int] = {}
    for message in delivered:
        per_recipient[message.to[0]] = per_recipient.get(message.to[0], 0) + 1
    report(
        "budget of unsolicited emails: one client bombing one mailbox (eager)",
        f"{len(statuses)} requests, {len(delivered)} emails reached {TARGET}'s mailbox: {per_recipient}",
    )
    assert set(statuses) <= {202, 429}
    assert 0 < len(delivered) <= budget("unsolicited_email_client")
    assert max(per_recipient.values()) <= budget("unsolicited_email_recipient")
