"""The password reset page end to end: Chromium, Django's live server, a real worker and the SMTP sink.

Without FRONTEND_URL the reset email links to this server's own page: a
person asks for a reset from the login page, opens the link from the email,
sets a password in the form and logs in with it.
"""

import re

import pytest
from django.conf import settings

from styleguide_project.task_progress.tests.integration.browser import chromium_page, log_in, outside_the_browser_loop
from styleguide_project.users.models import BaseUser
from styleguide_project.users.tests.factories import TEST_PASSWORD, BaseUserFactory
from testing.processes import wait_until

pytestmark = pytest.mark.integration

NEW_PASSWORD = "a-brand-new-password-9"


def plain_text(message) -> str:
    [part] = [part for part in message.walk() if part.get_content_type() == "text/plain"]
    return part.get_payload(decode=True).decode(part.get_content_charset() or "utf-8")


def test_a_person_resets_the_password_from_the_emailed_link(celery_worker, smtp_sink, live_server, tmp_path):
    # given: an account whose owner forgot the password, and a worker that shares the server's secret key
    BaseUserFactory.create(email="ada@example.com", email_verified_at=None)
    celery_worker(env={"DJANGO_SECRET_KEY": settings.SECRET_KEY})

    with chromium_page(tmp_path / "profile") as (page, _):
        # when: the owner, on the login page, follows "Forgot your password?" and asks for a link
        page.goto(f"{live_server.url}/accounts/login/")
        page.click("#password-reset-link")
        page.fill("input[name=email]", "Ada@Example.com")
        page.click("#password-reset-request-form button[type=submit]")
        page.wait_for_selector("#password-reset-sent")
        wait_until(lambda: smtp_sink.count() == 1, timeout=60, what="the reset email at the sink")
        [message] = smtp_sink.messages
        found = re.search(re.escape(live_server.url) + r"/accounts/password/reset/\S+/", plain_text(message.message))
        assert found is not None
        link = found.group(0)

        # Opening the link (twice, as a mail scanner and then the person) only shows the form.
        page.goto(link)
        page.goto(link)
        unchanged = outside_the_browser_loop(lambda: BaseUser.objects.get().check_password(TEST_PASSWORD))
        # A password the validators refuse is shown with the reason, and the form stays.
        page.fill("input[name=new_password1]", "short")
        page.fill("input[name=new_password2]", "short")
        page.click("#password-reset-form button[type=submit]")
        refused = page.inner_text("main")
        page.fill("input[name=new_password1]", NEW_PASSWORD)
        page.fill("input[name=new_password2]", NEW_PASSWORD)
        page.click("#password-reset-form button[type=submit]")
        page.wait_for_selector("#password-reset-done")
        # then: the link is used up, and the new password logs in
        page.goto(link)
        used = page.inner_text("main")
        log_in(page, base_url=live_server.url, email="ada@example.com", password=NEW_PASSWORD, next_path="/api/docs/")

    assert unchanged
    assert "too short" in refused
    assert "already used" in used
    user = outside_the_browser_loop(lambda: BaseUser.objects.get())
    assert user.check_password(NEW_PASSWORD)
    assert user.email_verified_at is not None
    wait_until(lambda: smtp_sink.count() == 2, timeout=60, what="the notice that the password changed")
    assert smtp_sink.messages[1].subject == "Your password was changed"
