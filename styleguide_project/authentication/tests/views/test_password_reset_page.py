import pytest
from django.core import mail
from django.test import Client
from knox.models import AuthToken

from styleguide_project.emails.models import Email
from styleguide_project.users.models import BaseUser
from styleguide_project.users.services import user_password_reset_send
from styleguide_project.users.tests.factories import TEST_PASSWORD, BaseUserFactory

pytestmark = pytest.mark.django_db
NEW_PASSWORD = "a-brand-new-password-9"


@pytest.fixture
def account():
    user = BaseUserFactory.create(email="ada@example.com", email_verified_at=None)
    AuthToken.objects.create(user=user)
    return user


@pytest.fixture
def page(account):
    message = user_password_reset_send(email=account.email, site_url="http://testserver/")
    assert message is not None
    return "/accounts/password/reset/" + message.plain_text.split("/accounts/password/reset/")[1].split("/")[0] + "/"


def form(password=NEW_PASSWORD, again=None):
    return {"new_password1": password, "new_password2": password if again is None else again}


def test_opening_the_link_shows_the_form_and_changes_nothing(account, page):
    # A mail scanner fetching the link, as many times as it likes.
    responses = [Client().get(page) for _ in range(3)]

    for response in responses:
        assert response.status_code == 200
        assert b'id="password-reset-form"' in response.content
        assert response["Referrer-Policy"] == "strict-origin"
        assert "no-store" in response["Cache-Control"]
    account.refresh_from_db()
    assert account.check_password(TEST_PASSWORD)
    assert account.email_verified_at is None
    assert AuthToken.objects.filter(user=account).exists()


def test_the_form_sets_the_password_as_the_api_does(account, page, django_capture_on_commit_callbacks):
    client = Client(enforce_csrf_checks=True)
    client.get(page)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(page, {**form(), "csrfmiddlewaretoken": client.cookies["csrftoken"].value})

    assert response.status_code == 200
    assert b'id="password-reset-done"' in response.content
    account.refresh_from_db()
    assert account.check_password(NEW_PASSWORD)
    assert account.email_verified_at is not None
    assert not AuthToken.objects.filter(user=account).exists()
    assert [message.subject for message in mail.outbox][-1] == "Your password was changed"
    # The link is used up: opening it again says so.
    again = client.get(page)
    assert b'id="password-reset-form"' not in again.content
    assert b"already used" in again.content


def test_a_post_without_the_csrf_token_is_refused(account, page):
    response = Client(enforce_csrf_checks=True).post(page, form())

    assert response.status_code == 403
    account.refresh_from_db()
    assert account.check_password(TEST_PASSWORD)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (form(again="something-else-entirely-1"), b"fields didn"),
        (form("short"), b"too short"),
        (form("ada@example.com"), b"too similar"),
    ],
)
def test_a_refused_password_shows_why_and_changes_nothing(account, page, data, message):
    response = Client().post(page, data)

    assert response.status_code == 400
    assert message in response.content
    account.refresh_from_db()
    assert account.check_password(TEST_PASSWORD)
    assert Email.objects.filter(subject="Your password was changed").count() == 0


@pytest.mark.parametrize("token", ["garbage", "MQ.zzzzzz-0000"])
def test_a_link_that_is_not_valid_says_so(account, token):
    for response in (
        Client().get(f"/accounts/password/reset/{token}/"),
        Client().post(f"/accounts/password/reset/{token}/", form()),
    ):
        assert response.status_code == 200
        assert b"not valid" in response.content
        assert b'id="password-reset-form"' not in response.content
    account.refresh_from_db()
    assert account.check_password(TEST_PASSWORD)


def test_posts_count_in_the_apis_bucket(account, page, api_client, throttle_rates):
    throttle_rates(password_reset_confirm="2/hour")
    api_client.post("/api/auth/password/reset/confirm/", {"token": "MQ.a-b", "password": NEW_PASSWORD}, format="json")
    Client().post(page, form("short"))

    response = Client().post(page, form())

    assert response.status_code == 429
    assert int(response["Retry-After"]) > 0
    assert b"Too many attempts" in response.content
    account.refresh_from_db()
    assert account.check_password(TEST_PASSWORD)


def test_without_the_cache_a_post_is_a_503(account, page, settings, unreachable_cache):
    response = Client().post(page, form())

    assert response.status_code == 503
    assert int(response["Retry-After"]) > 0
    assert BaseUser.objects.get().check_password(TEST_PASSWORD)


REQUEST_PAGE = "/accounts/password/reset/"


def test_the_login_page_links_to_the_request_page():
    assert b'href="/accounts/password/reset/"' in Client().get("/accounts/login/").content


def test_the_request_page_answers_alike_and_emails_only_an_account(django_capture_on_commit_callbacks):
    BaseUserFactory.create(email="ada@example.com")
    client = Client(enforce_csrf_checks=True)
    assert b'id="password-reset-request-form"' in client.get(REQUEST_PAGE).content
    csrf = client.cookies["csrftoken"].value

    with django_capture_on_commit_callbacks(execute=True):
        known = client.post(REQUEST_PAGE, {"email": "ADA@example.com", "csrfmiddlewaretoken": csrf})
        unknown = client.post(REQUEST_PAGE, {"email": "nobody@example.com", "csrfmiddlewaretoken": csrf})

    assert known.status_code == unknown.status_code == 200
    assert b'id="password-reset-sent"' in known.content
    assert known.content.replace(csrf.encode(), b"") == unknown.content.replace(csrf.encode(), b"")
    [message] = mail.outbox
    assert message.to == ["ada@example.com"]
    # The link names the host the page was asked on.
    assert "http://testserver/accounts/password/reset/" in message.body


def test_the_request_page_refuses_a_post_without_the_csrf_token():
    BaseUserFactory.create(email="ada@example.com")

    response = Client(enforce_csrf_checks=True).post(REQUEST_PAGE, {"email": "ada@example.com"})

    assert response.status_code == 403
    assert Email.objects.count() == 0


def test_the_request_page_shows_why_an_email_is_refused():
    response = Client().post(REQUEST_PAGE, {"email": "not-an-email"})

    assert response.status_code == 400
    assert b"Enter a valid email address." in response.content


def test_the_request_page_counts_in_the_apis_buckets(api_client, throttle_rates, django_capture_on_commit_callbacks):
    throttle_rates(password_reset_email="2/hour")
    BaseUserFactory.create(email="ada@example.com")

    with django_capture_on_commit_callbacks(execute=True):
        api_client.post("/api/auth/password/reset/", {"email": "ada@example.com"}, format="json")
        Client().post(REQUEST_PAGE, {"email": "Ada@example.com"}, REMOTE_ADDR="198.51.100.2")
        refused = Client().post(REQUEST_PAGE, {"email": "ada@example.com"}, REMOTE_ADDR="198.51.100.3")

    assert refused.status_code == 429
    assert int(refused["Retry-After"]) > 0
    assert b"Too many attempts" in refused.content
    assert len(mail.outbox) == 2


def test_without_the_cache_the_request_page_is_a_503_and_sends_nothing(
    unreachable_cache, django_capture_on_commit_callbacks
):
    BaseUserFactory.create(email="ada@example.com")

    with django_capture_on_commit_callbacks(execute=True):
        response = Client().post(REQUEST_PAGE, {"email": "ada@example.com"})

    assert response.status_code == 503
    assert int(response["Retry-After"]) > 0
    assert mail.outbox == []
