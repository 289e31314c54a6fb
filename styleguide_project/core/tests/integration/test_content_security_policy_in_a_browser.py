"""Every kind of page works under the Content-Security-Policy: a real Chromium reports no violation.

Django's live server answers with the project's middleware, so each page
arrives with its header; the browser reports every refused script, style,
image, font or request as a `securitypolicyviolation` event and on its
console. The pages: the home page, the login and password reset pages as a
visitor, a campaign email's unsubscribe page, the home page as staff, the
admin's login, index, a list and forms with their widgets, Swagger UI with
its operations drawn from the schema, the campaign form and page, and a
task's progress page while it polls.
"""

import pytest
from django.conf import settings
from django.urls import reverse
from django_celery_beat.models import CrontabSchedule

from styleguide_project.campaigns.tests.factories import EmailCampaignFactory
from styleguide_project.core.tests.conftest import SECURITY_REPORTS
from styleguide_project.task_progress.tests.factories import TaskOwnershipFactory
from styleguide_project.task_progress.tests.integration.browser import chromium_page, log_in
from styleguide_project.users.tests.factories import TEST_PASSWORD, BaseUserFactory
from styleguide_project.users.tokens import unsubscribe_token_make

pytestmark = pytest.mark.integration

REPORT_VIOLATIONS = """
document.addEventListener("securitypolicyviolation", (event) => {
  const where = `${event.sourceFile}:${event.lineNumber}`;
  window.reportViolation(`${event.violatedDirective} blocked ${event.blockedURI || "inline"} in ${where}`);
});
"""


def test_every_page_works_under_the_policy(transactional_db, live_server, tmp_path):
    staff = BaseUserFactory.create(is_staff=True, is_superuser=True)
    campaign = EmailCampaignFactory.create()
    ownership = TaskOwnershipFactory.create(user=staff)
    CrontabSchedule.objects.create(minute="30", hour="4")
    admin = f"/{settings.ADMIN_URL}"
    unsubscribe = reverse("users:unsubscribe", kwargs={"token": unsubscribe_token_make(user=staff)})
    anonymous_pages = [
        "/",
        reverse("accounts:login"),
        reverse("accounts:password-reset"),
        unsubscribe,
        f"{admin}login/",
    ]
    # (path, a selector that is there once the page's scripts have done their work)
    staff_pages = [
        ("/", "body"),
        (reverse("api:docs"), ".opblock"),
        # DRF's browsable API, what a browser gets from any API URL.
        (reverse("api:users:me"), ".response-info"),
        (admin, "#content-main"),
        (f"{admin}users/baseuser/", "#result_list"),
        (f"{admin}users/baseuser/{staff.pk}/change/", ".datetimeshortcuts"),
        (f"{admin}django_celery_beat/periodictask/add/", "#periodictask_form"),
        (reverse("campaigns:launch"), "#campaign-form"),
        (reverse("campaigns:detail", kwargs={"campaign_id": campaign.pk}), "body"),
        (reverse("task:progress", kwargs={"task_id": ownership.task_id}), "#progress-bar"),
    ]
    violations: list[str] = []
    console: list[str] = []
    headers: dict[str, str] = {}

    with chromium_page(tmp_path / "profile") as (page, _):
        page.expose_function("reportViolation", lambda text: violations.append(text))
        page.add_init_script(REPORT_VIOLATIONS)
        page.on("console", lambda message: console.append(message.text) if message.type == "error" else None)

        def visit(path: str, ready: str = "body") -> None:
            response = page.goto(f"{live_server.url}{path}")
            assert response is not None, path
            assert response.status == 200, (path, response.status)
            headers[path] = response.headers.get("content-security-policy", "")
            page.wait_for_selector(ready, state="attached")
            # Time for late scripts and requests (the progress page polls every 500 ms).
            page.wait_for_timeout(1200)

        for path in anonymous_pages:
            visit(path)
        log_in(page, base_url=live_server.url, email=staff.email, password=TEST_PASSWORD, next_path="/")
        for path, ready in staff_pages:
            visit(path, ready)
            if "periodictask" in path:
                # The form's script, served as a file, still does its work.
                page.select_option("#id_crontab", index=1)
                crontab_help = page.inner_text(".field-crontab .help")
            if "progress" in path:
                bar_width = page.eval_on_selector("#progress-bar", "bar => bar.style.width")

    checked = anonymous_pages + [path for path, _ in staff_pages]
    SECURITY_REPORTS.append(
        f"Content-Security-Policy in Chromium: {len(checked)} pages checked ({', '.join(checked)}); "
        f"{len(violations)} violation(s), {len(console)} console error(s)"
    )
    assert all("script-src 'self'" in header for header in headers.values()), headers
    assert violations == []
    assert console == []
    assert "Translation: At 04:30" in crontab_help
    # A task that has not started: the bar drawn at the width the page was rendered with.
    assert bar_width == "0%"
