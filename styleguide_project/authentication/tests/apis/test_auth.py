import pytest
from django.contrib.auth.signals import user_logged_out
from knox.models import AuthToken

from styleguide_project.users.tests.factories import TEST_PASSWORD

pytestmark = pytest.mark.django_db
LOGIN = "/api/auth/login/"
LOGOUT = "/api/auth/logout/"
LOGOUT_ALL = "/api/auth/logout-all/"
ME = "/api/users/me/"


def login(client, user, address="198.51.100.7"):
    response = client.post(LOGIN, {"email": user.email, "password": TEST_PASSWORD}, format="json", REMOTE_ADDR=address)
    assert response.status_code == 200, response.content
    return response.json()["token"]


def auth(token):
    return {"HTTP_AUTHORIZATION": f"Token {token}"}


def test_login_returns_a_token_that_authenticates(api_client, user):
    response = api_client.post(LOGIN, {"email": user.email.upper(), "password": TEST_PASSWORD}, format="json")

    assert response.status_code == 200
    token = response.json()["token"]
    assert api_client.get(ME, **auth(token)).status_code == 200


def test_each_login_gets_its_own_token(api_client, user):
    first, second = login(api_client, user), login(api_client, user)

    assert first != second
    assert AuthToken.objects.filter(user=user).count() == 2
    assert api_client.get(ME, **auth(first)).status_code == 200
    assert api_client.get(ME, **auth(second)).status_code == 200


def test_the_database_holds_no_usable_token(api_client, user):
    token = login(api_client, user)

    [row] = AuthToken.objects.filter(user=user).values()
    stored = [str(value) for value in row.values()]
    # The token itself is nowhere in the row; what is stored does not authenticate.
    assert token not in stored
    assert all(token not in value for value in stored)
    for value in (row["digest"], row["token_key"]):
        assert api_client.get(ME, **auth(value)).status_code == 401


@pytest.mark.parametrize("known_email", [True, False])
def test_bad_credentials_are_a_400_with_one_message(api_client, user, known_email):
    email = user.email if known_email else "nobody@example.com"

    response = api_client.post(LOGIN, {"email": email, "password": "wrong-password"}, format="json")

    assert response.status_code == 400
    assert response.json() == {"message": "Unable to log in with the provided credentials.", "extra": {}}


def test_inactive_user_cannot_log_in(api_client, user):
    user.is_active = False
    user.save()

    response = api_client.post(LOGIN, {"email": user.email, "password": TEST_PASSWORD}, format="json")

    assert response.status_code == 400


def test_missing_fields_are_a_400(api_client):
    response = api_client.post(LOGIN, {"email": 5}, format="json")

    assert response.status_code == 400
    assert set(response.json()["extra"]["fields"]) == {"email", "password"}


def test_logout_revokes_only_this_token(api_client, user):
    phone, laptop = login(api_client, user), login(api_client, user)

    response = api_client.post(LOGOUT, **auth(phone))

    assert response.status_code == 204
    assert api_client.get(ME, **auth(phone)).status_code == 401
    assert api_client.get(ME, **auth(laptop)).status_code == 200


def test_logout_all_revokes_every_token_of_the_user(api_client, user, staff_user):
    phone, laptop = login(api_client, user), login(api_client, user)
    someone_else = login(api_client, staff_user)

    response = api_client.post(LOGOUT_ALL, **auth(phone))

    assert response.status_code == 204
    assert api_client.get(ME, **auth(phone)).status_code == 401
    assert api_client.get(ME, **auth(laptop)).status_code == 401
    assert api_client.get(ME, **auth(someone_else)).status_code == 200


@pytest.mark.parametrize("path", [LOGOUT, LOGOUT_ALL])
def test_logout_ends_the_session_and_tells_djangos_signal_who_left(api_client, user, path):
    # DRF's request goes to django.contrib.auth's logout() as it is: it reads
    # and replaces the user and flushes the session of the request underneath.
    api_client.force_login(user)
    left = []

    def receiver(sender, request, user, **kwargs):
        left.append((user, request.user))

    user_logged_out.connect(receiver)
    try:
        response = api_client.post(path)
    finally:
        user_logged_out.disconnect(receiver)

    assert response.status_code == 204
    assert left == [(user, user)]
    assert api_client.get(ME).status_code == 401


@pytest.mark.parametrize("path", [LOGOUT, LOGOUT_ALL])
def test_logout_needs_authentication(api_client, path):
    response = api_client.post(path)

    assert response.status_code == 401


def test_tokens_beyond_the_limit_are_deleted_oldest_first(api_client, user, settings):
    settings.AUTH_TOKEN_LIMIT_PER_USER = 2
    oldest, middle, newest = (login(api_client, user) for _ in range(3))

    assert AuthToken.objects.filter(user=user).count() == 2
    assert api_client.get(ME, **auth(oldest)).status_code == 401
    assert api_client.get(ME, **auth(middle)).status_code == 200
    assert api_client.get(ME, **auth(newest)).status_code == 200
