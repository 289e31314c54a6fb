"""The page an email-change link opens, in headless Chromium against Django's live server."""

from urllib.parse import quote

import pytest

from styleguide_project.task_progress.tests.integration.browser import chromium_page, outside_the_browser_loop
from styleguide_project.users.models import BaseUser
from styleguide_project.users.services import user_email_change_token_create
from styleguide_project.users.tests.factories import BaseUserFactory

pytestmark = pytest.mark.integration

# Inline code a Content-Security-Policy without 'unsafe-inline' would block.
INLINE = """() => document.querySelectorAll("script:not([src]), style, [style], [onclick], [onsubmit]").length"""


def test_opening_the_link_changes_nothing_and_the_button_confirms(live_server, tmp_path):
    user = BaseUserFactory.create(email="ada@example.com", pending_email="ada@new.example")
    token = user_email_change_token_create(user=user, new_email="ada@new.example")
    link = f"{live_server.url}/users/email/confirm/?token={quote(token, safe='')}"

    def email() -> str:
        return outside_the_browser_loop(lambda: BaseUser.objects.get(id=user.id).email)

    with chromium_page(tmp_path / "profile") as (page, _):
        # A mail scanner, or the person, opens the link: a page with a button, and nothing changed.
        page.goto(link)
        assert page.title().startswith("Confirm your new email address")
        assert page.evaluate(INLINE) == 0
        page.reload()
        assert email() == "ada@example.com"

        page.click("#email-change-confirm button[type=submit]")
        page.wait_for_selector("#email-change-done")
        done = page.inner_text("#email-change-done")

        # The same link again: used once, it says so.
        page.goto(link)
        page.click("#email-change-confirm button[type=submit]")
        page.wait_for_selector("#email-change-error")
        again = page.inner_text("#email-change-error")

    assert "ada@new.example" in done
    assert email() == "ada@new.example"
    assert again == "This link is no longer valid: ask for a new email change."
