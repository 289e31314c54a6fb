"""Login is throttled per submitted email and per client address, before the credentials are checked."""

import pytest
from knox.models import AuthToken

from styleguide_project.api.tests.assertions import assert_throttled
from styleguide_project.users.tests.factories import TEST_PASSWORD

pytestmark = pytest.mark.django_db
LOGIN = "/api/auth/login/"
WRONG_PASSWORD = "wrong-password"


def login(client, email, password=WRONG_PASSWORD, address="198.51.100.7"):
    return client.post(LOGIN, {"email": email, "password": password}, format="json", REMOTE_ADDR=address)


def test_attempts_on_one_email_are_limited_however_it_is_spelled(api_client, throttle_rates, user):
    throttle_rates(login_email="3/hour", login_address="100/hour", anon="100/hour")
    spellings = [user.email, user.email.upper(), f"  {user.email} "]

    failures = [login(api_client, email, address=f"198.51.100.{n}").status_code for n, email in enumerate(spellings)]
    # The right password from a fresh address: still refused, without being checked.
    throttled = login(api_client, user.email, password=TEST_PASSWORD, address="203.0.113.50")

    assert failures == [400, 400, 400]
    assert_throttled(throttled, period_seconds=3600)
    assert not AuthToken.objects.filter(user=user).exists()


def test_another_email_is_not_held_up_by_a_throttled_one(api_client, throttle_rates, user):
    throttle_rates(login_email="1/hour", login_address="100/hour", anon="100/hour")
    login(api_client, "victim@example.com")

    assert login(api_client, "victim@example.com").status_code == 429
    assert login(api_client, user.email, password=TEST_PASSWORD).status_code == 200


def test_attempts_from_one_address_are_limited_whatever_the_email(api_client, throttle_rates, user):
    throttle_rates(login_email="100/hour", login_address="3/hour", anon="100/hour")

    failures = [login(api_client, f"someone{n}@example.com").status_code for n in range(3)]
    throttled = login(api_client, user.email, password=TEST_PASSWORD)
    other_address = login(api_client, user.email, password=TEST_PASSWORD, address="203.0.113.50")

    assert failures == [400, 400, 400]
    assert_throttled(throttled, period_seconds=3600)
    assert other_address.status_code == 200


def test_a_body_without_an_email_is_counted_by_address_and_refused(api_client, throttle_rates):
    throttle_rates(login_email="1/hour", login_address="2/hour", anon="100/hour")

    statuses = [
        api_client.post(LOGIN, body, format="json", REMOTE_ADDR="198.51.100.7").status_code
        for body in ([1, 2], {"email": 5}, {})
    ]

    assert statuses == [400, 400, 429]
