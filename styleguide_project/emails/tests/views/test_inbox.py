import importlib
import re

import pytest
from django.urls import URLPattern, URLResolver, clear_url_caches

from styleguide_project.emails.models import Email
from styleguide_project.emails.tests.factories import EmailFactory

pytestmark = [pytest.mark.django_db, pytest.mark.urls("styleguide_project.core.tests.dev_urls")]
INBOX = "/dev/inbox/"


@pytest.fixture
def debug(settings):
    settings.DEBUG = True


def test_the_inbox_lists_the_emails_the_project_sent_newest_first(client, debug, django_capture_on_commit_callbacks):
    older = EmailFactory.create(subject="An older one", to="bob@example.com", status=Email.Status.FAILED)
    # Then a registration, as the README's first curl does it (eager mode: the email is sent at once).
    with django_capture_on_commit_callbacks(execute=True):
        client.post("/api/users/", {"email": "ada@example.com", "password": "a-long-password-1"}, "application/json")

    response = client.get(INBOX)

    assert response.status_code == 200
    page = response.content.decode()
    cells = r"<tr>\s*<td><a href=\"/dev/inbox/(\d+)/\">([^<]+)</a></td>\s*<td>([^<]+)</td>\s*<td>(\w+)</td>"
    rows = re.findall(cells, page)
    verification = Email.objects.get(to="ada@example.com")
    assert rows == [
        (str(verification.id), "Confirm your email address", "ada@example.com", "Sent"),
        (str(older.id), "An older one", "bob@example.com", "Failed"),
    ]


def test_an_email_shows_its_body_with_the_verification_link_to_click(
    client, debug, settings, django_capture_on_commit_callbacks
):
    settings.EMAIL_VERIFICATION_URL = "http://127.0.0.1:8000/verify-email?token={token}"
    with django_capture_on_commit_callbacks(execute=True):
        client.post("/api/users/", {"email": "ada@example.com", "password": "a-long-password-1"}, "application/json")
    email = Email.objects.get(to="ada@example.com")

    page = client.get(f"{INBOX}{email.id}/").content.decode()
    html = client.get(f"{INBOX}{email.id}/html/")

    link = re.search(r"http://127\.0\.0\.1:8000/verify-email\?token=\S+", email.plain_text)
    assert link is not None
    assert f'<a href="{link.group(0)}"' in page
    assert "ada@example.com" in page
    assert html.status_code == 200
    assert html["Content-Type"] == "text/html; charset=utf-8"
    assert html.content.decode() == email.html
    assert f'href="{link.group(0)}"' in email.html


def test_the_inbox_pages_have_no_inline_script_or_style(client, debug):
    email = EmailFactory.create(plain_text="See https://example.com/a?b=c for more.")

    pages = [client.get(url).content.decode() for url in (INBOX, f"{INBOX}{email.id}/")]

    for page in pages:
        assert "<script" not in page
        assert "<style" not in page
        assert " style=" not in page
    assert '<a href="https://example.com/a?b=c"' in pages[1]


def test_an_unknown_email_is_a_404(client, debug):
    assert client.get(f"{INBOX}999999/").status_code == 404
    assert client.get(f"{INBOX}999999/html/").status_code == 404


def test_without_debug_every_inbox_page_is_a_404_even_where_mounted(client):
    email = EmailFactory.create()

    answers = [client.get(url).status_code for url in (INBOX, f"{INBOX}{email.id}/", f"{INBOX}{email.id}/html/")]

    assert answers == [404, 404, 404]


@pytest.mark.urls("config.urls")
def test_without_debug_the_project_does_not_mount_the_inbox(client, settings):
    import config.urls

    settings.DEBUG = True
    importlib.reload(config.urls)
    mounted = _patterns(config.urls.urlpatterns)
    settings.DEBUG = False
    importlib.reload(config.urls)
    clear_url_caches()
    try:
        assert "dev/inbox/" in mounted
        assert "dev/inbox/" not in _patterns(config.urls.urlpatterns)
        assert client.get(INBOX).status_code == 404
    finally:
        clear_url_caches()


def _patterns(urlpatterns: list) -> list[str]:
    return [str(entry.pattern) for entry in urlpatterns if isinstance(entry, URLPattern | URLResolver)]
