"""Every login path (the API, the session login page, the admin login) counts in the same buckets."""

import pytest
from django.conf import settings
from django.test import Client
from rest_framework.test import APIClient

from styleguide_project.users.tests.factories import TEST_PASSWORD, BaseUserFactory

pytestmark = pytest.mark.django_db
ATTACKER = "198.51.100.66"
OWNER_HOME = "203.0.113.10"


def api_login(email, password, address):
    body = {"email": email, "password": password}
    return APIClient().post("/api/auth/login/", body, format="json", REMOTE_ADDR=address)


def page_login(email, password, address):
    return Client().post("/accounts/login/", {"username": email, "password": password}, REMOTE_ADDR=address)


def admin_login(email, password, address):
    body = {"username": email, "password": password}
    return Client().post(f"/{settings.ADMIN_URL}login/", body, REMOTE_ADDR=address)


PATHS = {"api": api_login, "page": page_login, "admin": admin_login}


@pytest.fixture
def production_rates(throttle_rates):
    # The shipped defaults: 10 per email and 30 per address an hour.
    throttle_rates(login_email="10/hour", login_address="30/hour", anon="100/hour")


@pytest.mark.parametrize("path", PATHS)
def test_forty_wrong_passwords_end_in_429_with_retry_after(path, production_rates):
    staff = BaseUserFactory.create(is_staff=True)
    login = PATHS[path]

    statuses = [login(staff.email, f"wrong-{n}", ATTACKER).status_code for n in range(40)]
    right_password = login(staff.email, TEST_PASSWORD, ATTACKER)

    assert 429 not in statuses[:10]
    assert set(statuses[10:]) == {429}
    assert right_password.status_code == 429
    assert 1 <= int(right_password["Retry-After"]) <= 3600
    if path != "api":
        assert b"Too many login attempts" in right_password.content


@pytest.mark.parametrize("guessed_on", PATHS)
def test_a_lock_on_one_path_is_a_lock_on_every_path(guessed_on, production_rates):
    staff = BaseUserFactory.create(is_staff=True)
    for n in range(10):
        PATHS[guessed_on](staff.email, f"wrong-{n}", f"198.51.100.{n}")

    # The right password from a fresh address, on every path: refused unchecked.
    answers = {path: login(staff.email, TEST_PASSWORD, "192.0.2.1").status_code for path, login in PATHS.items()}

    assert answers == {"api": 429, "page": 429, "admin": 429}


def test_the_owner_still_gets_in_from_an_address_they_logged_in_from(production_rates):
    user = BaseUserFactory.create()
    assert page_login(user.email, TEST_PASSWORD, OWNER_HOME).status_code == 302
    # A stranger locks the account from their own addresses.
    for n in range(20):
        api_login(user.email, f"wrong-{n}", f"198.51.100.{n}")

    from_home = api_login(user.email, TEST_PASSWORD, OWNER_HOME)
    from_elsewhere = api_login(user.email, TEST_PASSWORD, "192.0.2.99")

    assert from_home.status_code == 200
    assert from_elsewhere.status_code == 429


def test_a_known_address_is_still_limited_by_its_address_count(throttle_rates):
    throttle_rates(login_email="10/hour", login_address="3/hour", anon="100/hour")
    user = BaseUserFactory.create()
    assert api_login(user.email, TEST_PASSWORD, OWNER_HOME).status_code == 200

    statuses = [api_login(user.email, "wrong", OWNER_HOME).status_code for _ in range(3)]

    assert statuses == [400, 400, 429]


@pytest.mark.parametrize("path", PATHS)
def test_no_path_takes_a_guess_while_the_cache_cannot_count_it(path, production_rates, unreachable_cache):
    user = BaseUserFactory.create(is_staff=True)

    response = PATHS[path](user.email, TEST_PASSWORD, ATTACKER)

    # Even the right password: an attempt nobody can count is refused, 503 and not 500.
    assert response.status_code == 503
    assert response["Retry-After"] == "30"
    if path == "api":
        assert response.json() == {
            "message": "This is unavailable for a moment. Try again shortly.",
            "extra": {"wait_seconds": 30},
        }
    else:
        assert b"Sign-in is unavailable for a moment" in response.content
        assert "_auth_user_id" not in response.wsgi_request.session
