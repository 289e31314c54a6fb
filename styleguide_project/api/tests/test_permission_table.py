"""Who may call each URL the project serves: one table, checked with real requests.

Every URL pattern Django resolves must have an entry in ACCESS, so a new
endpoint cannot ship without someone deciding who may call it. An entry says
who (`Who`) and gives the calls to make, "METHOD /path/", one for each method
the view implements. Each entry is checked as anonymous, as a logged-in user
and as staff (and, for owned objects, as the owner and as another user):
allowed means anything but 401/403 (or the admin's redirect to its login),
refused means exactly that.

Staff do what their model permissions allow, as in the admin: a staff entry
names the permissions each call needs (`perms`), and is also checked as staff
without any permission (refused), as staff with every staff tool's permission
but those (refused), and as staff with exactly those (allowed).

The admin is one entry: every admin view is wrapped by Django in
`AdminSite.admin_view` (active staff only), except its login page. The
entry's calls are the admin index and every registered model's list and add
pages, and `test_every_admin_view_is_staff_only` checks the wrapping of all
the admin's patterns.
"""

import enum
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from django.apps import apps
from django.conf import settings
from django.contrib import admin
from django.contrib.auth.models import Permission
from django.shortcuts import resolve_url
from django.test import RequestFactory, override_settings
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from knox.models import AuthToken
from rest_framework.test import APIClient

from styleguide_project.task_progress.models import TaskOwnership
from styleguide_project.users.models import BaseUser
from styleguide_project.users.tests.factories import STAFF_TOOL_PERMISSIONS, BaseUserFactory

pytestmark = pytest.mark.django_db


class Who(enum.Enum):
    ANYONE = "anyone, logged in or not"
    USER = "any logged-in user (staff too)"
    OWNER = "the logged-in user the object belongs to; anyone else, staff too, gets 403 or 404"
    OWNER_OR_STAFF = "the owner of the object, or staff; any other user gets 403 or 404"
    STAFF = "active staff only"
    TOKEN = "only a request carrying its bearer token (METRICS_TOKEN); every user, staff too, gets 401, 403 or 404"


@dataclass(frozen=True)
class Access:
    who: Who
    # "METHOD /path/" for each method the view implements. For OWNER entries the
    # path is a template filled from what `owned(user)` returns for the user.
    calls: tuple[str, ...]
    # OWNER / OWNER_OR_STAFF: creates an object belonging to `user` and returns
    # the values for the path template, e.g. {"task_id": ...}.
    owned: Callable[[BaseUser], dict[str, Any]] | None = None
    # STAFF / OWNER_OR_STAFF: the model permissions ("<app_label>.<codename>") a staff user needs, for every
    # call, or by method where one URL serves several ({"GET": (...), "POST": (...)}).
    perms: tuple[str, ...] | dict[str, tuple[str, ...]] = ()

    def perms_for(self, call: str) -> tuple[str, ...]:
        return self.perms.get(call.split()[0], ()) if isinstance(self.perms, dict) else self.perms


ADMIN = f"{settings.ADMIN_URL}*"


def admin_calls() -> tuple[str, ...]:
    """The admin index and the list and add pages of every model registered in the admin.

    A model whose admin allows no adding at all (rows written only by a
    service, such as task ownership) has no add page to call.
    """
    calls = [f"GET {reverse('admin:index')}"]
    superuser = BaseUser(is_active=True, is_staff=True, is_superuser=True)
    request = RequestFactory().get("/")
    request.user = superuser
    for model in apps.get_models():
        if not admin.site.is_registered(model):
            continue
        model_admin = admin.site.get_model_admin(model)
        info = f"admin:{model._meta.app_label}_{model._meta.model_name}"
        calls.append(f"GET {reverse(f'{info}_changelist')}")
        if model_admin.has_add_permission(request):
            calls.append(f"GET {reverse(f'{info}_add')}")
    return tuple(calls)


def task_owned_by(user: BaseUser) -> dict[str, Any]:
    """A task run queued by `user` (its ownership row; the run itself need not exist)."""
    ownership = TaskOwnership.objects.create(
        task_id=str(uuid.uuid4()), task_name="emails.email_campaign_send", user=user
    )
    return {"task_id": ownership.task_id}


# Keyed by the pattern as Django prints it, prefixes joined. Keep it grouped by app.
ACCESS: dict[str, Access] = {
    # The site's front page and icon.
    "": Access(Who.ANYONE, ("GET /",)),
    "favicon.ico": Access(Who.ANYONE, ("GET /favicon.ico",)),
    # api: health is probed by load balancers; the index, the schema and its docs are public.
    "api/": Access(Who.ANYONE, ("GET /api/",)),
    "api/health/": Access(Who.ANYONE, ("GET /api/health/",)),
    # Prometheus's scrape, outside the API: by token, never by login.
    "metrics": Access(Who.TOKEN, ("GET /metrics",)),
    "api/health/live/": Access(Who.ANYONE, ("GET /api/health/live/",)),
    "api/schema/": Access(Who.ANYONE, ("GET /api/schema/",)),
    "api/docs/": Access(Who.ANYONE, ("GET /api/docs/",)),
    # authentication
    "api/auth/login/": Access(Who.ANYONE, ("POST /api/auth/login/",)),
    "api/auth/logout/": Access(Who.USER, ("POST /api/auth/logout/",)),
    "api/auth/logout-all/": Access(Who.USER, ("POST /api/auth/logout-all/",)),
    # A forgotten password: for someone who cannot log in.
    "api/auth/password/reset/": Access(Who.ANYONE, ("POST /api/auth/password/reset/",)),
    "api/auth/password/reset/confirm/": Access(Who.ANYONE, ("POST /api/auth/password/reset/confirm/",)),
    # users: "me" is always the caller's own record.
    "api/users/": Access(Who.ANYONE, ("POST /api/users/",)),
    "api/users/me/": Access(Who.USER, ("GET /api/users/me/", "PATCH /api/users/me/", "DELETE /api/users/me/")),
    "api/users/me/email/": Access(Who.USER, ("POST /api/users/me/email/",)),
    # The token from the emailed link is the credential: it is opened from the new mailbox, maybe on another device.
    "api/users/email/confirm/": Access(Who.ANYONE, ("POST /api/users/email/confirm/",)),
    "api/users/me/email/verify/": Access(Who.USER, ("POST /api/users/me/email/verify/",)),
    "api/users/me/email/verify/resend/": Access(Who.USER, ("POST /api/users/me/email/verify/resend/",)),
    "api/users/me/onboarding/complete/": Access(Who.USER, ("POST /api/users/me/onboarding/complete/",)),
    "api/users/me/password/": Access(Who.USER, ("POST /api/users/me/password/",)),
    # emails: staff tooling. Reading needs view; queueing (send, retry) changes the emails: change.
    "api/emails/": Access(Who.STAFF, ("GET /api/emails/",), perms=("emails.view_email",)),
    "api/emails/send/": Access(Who.STAFF, ("POST /api/emails/send/",), perms=("emails.change_email",)),
    "api/emails/<int:email_id>/": Access(Who.STAFF, ("GET /api/emails/1/",), perms=("emails.view_email",)),
    "api/emails/<int:email_id>/retry/": Access(
        Who.STAFF, ("POST /api/emails/1/retry/",), perms=("emails.change_email",)
    ),
    # campaigns: staff tooling, served beside the emails; the API and the pages that launch a campaign and follow it.
    # Reading needs view; sending one (launching it) needs add.
    "api/emails/campaigns/": Access(
        Who.STAFF,
        ("GET /api/emails/campaigns/", "POST /api/emails/campaigns/"),
        perms={"GET": ("campaigns.view_emailcampaign",), "POST": ("campaigns.add_emailcampaign",)},
    ),
    "api/emails/campaigns/<int:campaign_id>/": Access(
        Who.STAFF, ("GET /api/emails/campaigns/1/",), perms=("campaigns.view_emailcampaign",)
    ),
    # Cancelling one changes it (and its emails); copying one makes a campaign, as launching does.
    "api/emails/campaigns/<int:campaign_id>/cancel/": Access(
        Who.STAFF, ("POST /api/emails/campaigns/1/cancel/",), perms=("campaigns.change_emailcampaign",)
    ),
    "api/emails/campaigns/<int:campaign_id>/copy/": Access(
        Who.STAFF, ("POST /api/emails/campaigns/1/copy/",), perms=("campaigns.add_emailcampaign",)
    ),
    "emails/campaigns/new/": Access(
        Who.STAFF,
        ("GET /emails/campaigns/new/", "POST /emails/campaigns/new/", "PUT /emails/campaigns/new/"),
        perms=("campaigns.add_emailcampaign",),
    ),
    "emails/campaigns/<int:campaign_id>/": Access(
        Who.STAFF, ("GET /emails/campaigns/1/",), perms=("campaigns.view_emailcampaign",)
    ),
    "emails/campaigns/<int:campaign_id>/cancel/": Access(
        Who.STAFF, ("POST /emails/campaigns/1/cancel/",), perms=("campaigns.change_emailcampaign",)
    ),
    # The task kit: dead letters are staff tooling; replaying one changes it.
    "api/tasks/dead-letters/": Access(Who.STAFF, ("GET /api/tasks/dead-letters/",), perms=("tasks.view_deadletter",)),
    "api/tasks/dead-letters/<int:dead_letter_id>/replay/": Access(
        Who.STAFF, ("POST /api/tasks/dead-letters/1/replay/",), perms=("tasks.change_deadletter",)
    ),
    # task progress: only whoever queued the run, or staff who may view every run's ownership.
    "api/tasks/<str:task_id>/": Access(
        Who.OWNER_OR_STAFF,
        ("GET /api/tasks/{task_id}/",),
        owned=task_owned_by,
        perms=("task_progress.view_taskownership",),
    ),
    "tasks/<str:task_id>/progress/": Access(
        Who.OWNER_OR_STAFF,
        ("GET /tasks/{task_id}/progress/",),
        owned=task_owned_by,
        perms=("task_progress.view_taskownership",),
    ),
    "tasks/<str:task_id>/progress/data/": Access(
        Who.OWNER_OR_STAFF,
        ("GET /tasks/{task_id}/progress/data/",),
        owned=task_owned_by,
        perms=("task_progress.view_taskownership",),
    ),
    # The page an email-change link opens (GET shows a button, POST confirms): the token is the credential.
    "users/email/confirm/": Access(Who.ANYONE, ("GET /users/email/confirm/", "POST /users/email/confirm/")),
    # A campaign email's unsubscribe link: mail providers POST it without cookies (RFC 8058); the signed token
    # is the credential.
    "users/unsubscribe/<str:token>/": Access(
        Who.ANYONE, ("GET /users/unsubscribe/1:x/", "POST /users/unsubscribe/1:x/")
    ),
    # The session login of the HTML pages.
    "accounts/login/": Access(Who.ANYONE, ("GET /accounts/login/", "POST /accounts/login/", "PUT /accounts/login/")),
    "accounts/logout/": Access(Who.ANYONE, ("POST /accounts/logout/",)),
    # "Forgot your password?", and the page a password reset email links to (the token is the permission).
    "accounts/password/reset/": Access(Who.ANYONE, ("GET /accounts/password/reset/", "POST /accounts/password/reset/")),
    "accounts/password/reset/<str:token>/": Access(
        Who.ANYONE, ("GET /accounts/password/reset/MQ.x-y/", "POST /accounts/password/reset/MQ.x-y/")
    ),
    # The Django admin, at DJANGO_ADMIN_URL.
    ADMIN: Access(Who.STAFF, ()),
}

# Admin views Django leaves open on purpose: its login page.
PUBLIC_ADMIN_VIEWS = {"login"}


# --- What the project serves ---


@dataclass(frozen=True)
class Served:
    route: str
    pattern: URLPattern


def served(resolver: URLResolver | None = None, prefix: str = "") -> Iterator[Served]:
    """Every URL pattern of the root URLconf, with its full route."""
    resolver = resolver or get_resolver()
    for entry in resolver.url_patterns:
        route = prefix + str(entry.pattern)
        if isinstance(entry, URLResolver):
            yield from served(entry, route)
        else:
            yield Served(route, entry)


def entry_key(route: str) -> str:
    return ADMIN if route.startswith(settings.ADMIN_URL) else route


def view_methods(pattern: URLPattern) -> set[str]:
    """The HTTP methods a class-based view implements (OPTIONS and HEAD come for free)."""
    view_class = getattr(pattern.callback, "view_class", None)
    if view_class is None:
        return set()
    return {
        method.upper()
        for method in view_class.http_method_names
        if method not in {"options", "head", "trace"} and hasattr(view_class, method)
    }


def missing_entries_message(missing: list[Served]) -> str:
    lines = [
        f"{len(missing)} URL pattern(s) have no entry in ACCESS ({__name__.replace('.', '/')}.py).",
        "Decide who may call each (Who.ANYONE, USER, OWNER, OWNER_OR_STAFF or STAFF) and add it, e.g.:",
    ]
    for item in missing:
        calls = ", ".join(f'"{method} /{item.route}"' for method in sorted(view_methods(item.pattern)) or ["GET"])
        lines.append(f'    "{item.route}": Access(Who.???, ({calls},)),')
    return "\n".join(lines)


# --- The checks ---


def missing_entries() -> list[Served]:
    return [item for item in served() if entry_key(item.route) not in ACCESS]


def test_every_url_pattern_has_an_entry():
    missing = missing_entries()

    assert not missing, missing_entries_message(missing)


def test_every_entry_is_still_served():
    keys = {entry_key(item.route) for item in served()}

    assert set(ACCESS) - keys == set(), "ACCESS has entries for patterns that are no longer served; remove them."


def test_every_method_of_every_view_is_called():
    uncalled = []
    for item in served():
        key = entry_key(item.route)
        if key == ADMIN or key not in ACCESS:
            continue
        called = {call.split()[0] for call in ACCESS[key].calls}
        uncalled += [f"{method} {item.route}" for method in sorted(view_methods(item.pattern) - called)]

    assert uncalled == [], "Add a call for each, so that its access is checked."


def test_every_admin_view_is_staff_only():
    # Django marks each view it wraps in AdminSite.admin_view (active staff only).
    unwrapped = [
        item.route
        for item in served()
        if item.route.startswith(settings.ADMIN_URL)
        and not hasattr(item.pattern.callback, "admin_site")
        and not hasattr(item.pattern.callback, "model_admin")
        and item.pattern.name not in PUBLIC_ADMIN_VIEWS
    ]

    assert unwrapped == []


class Caller:
    """Makes real requests as one person: a token for the API, a session for the admin."""

    def __init__(self, user: BaseUser | None) -> None:
        self.user = user

    def call(self, call: str, **values: Any) -> Any:
        method, path = call.split(maxsplit=1)
        path = path.format(**values)
        client = APIClient()
        if self.user is not None:
            if not path.startswith("/api/"):
                # The admin and the HTML pages use the session.
                client.force_login(self.user)
            else:
                # A fresh token each call: a call may have been a logout.
                _, token = AuthToken.objects.create(user=self.user)
                client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
        return getattr(client, method.lower())(path, format="json")


def is_refused(response: Any) -> bool:
    if response.status_code in (401, 403):
        return True
    if response.status_code != 302:
        return False
    # A refusal sends to a login page and back (`?next=`); a logout's redirect to it does not.
    location = response["Location"]
    return location.startswith((reverse("admin:login"), resolve_url(settings.LOGIN_URL))) and "next=" in location


def is_allowed(response: Any) -> bool:
    return not is_refused(response) and response.status_code != 429 and response.status_code < 500


def check(access: Access) -> list[str]:
    """What goes against the entry, as "<who> <call>: <status>" lines; empty when all is as it says."""
    user = BaseUserFactory.create()
    other = BaseUserFactory.create()
    # A superuser: every staff check passes (the entries with `perms` are also checked with less, below).
    staff = BaseUserFactory.create(is_staff=True, is_superuser=True)
    anonymous, as_user, as_other, as_staff = Caller(None), Caller(user), Caller(other), Caller(staff)
    as_bare_staff = Caller(BaseUserFactory.create(is_staff=True))
    calls = access.calls or admin_calls()
    problems: list[str] = []

    def expect(name: str, caller: Caller, call: str, ok: Callable[[Any], bool], **values: Any) -> None:
        response = caller.call(call, **values)
        if not ok(response):
            problems.append(f"{name} {call.format(**values)}: {response.status_code}")

    def refused_as_stranger(response: Any) -> bool:
        return is_refused(response) or response.status_code == 404

    for call in calls:
        if access.who is Who.TOKEN:
            for name, caller in (("anonymous", anonymous), ("user", as_user), ("staff", as_staff)):
                with override_settings(METRICS_TOKEN="a-token-nobody-sent"):
                    expect(name, caller, call, is_refused)
                expect(f"{name} (no token configured)", caller, call, lambda r: r.status_code == 404)
            continue
        if access.who in (Who.OWNER, Who.OWNER_OR_STAFF):
            assert access.owned is not None, "an OWNER entry needs `owned` to make the object"
            values = access.owned(user)
            expect("anonymous", anonymous, call, refused_as_stranger, **values)
            expect("owner", as_user, call, lambda r: is_allowed(r) and r.status_code != 404, **values)
            expect("another user", as_other, call, refused_as_stranger, **values)
            staff_ok = is_allowed if access.who is Who.OWNER_OR_STAFF else refused_as_stranger
            expect("staff", as_staff, call, staff_ok, **values)
            if access.who is Who.OWNER_OR_STAFF:
                expect("staff without permissions", as_bare_staff, call, refused_as_stranger, **values)
                for name, caller in staff_with_and_without(access.perms_for(call)):
                    expect(
                        name,
                        caller,
                        call,
                        staff_ok if name.startswith("staff with exactly") else refused_as_stranger,
                        **values,
                    )
            continue
        expect("anonymous", anonymous, call, is_allowed if access.who is Who.ANYONE else is_refused)
        expect("user", as_user, call, is_refused if access.who is Who.STAFF else is_allowed)
        expect("staff", as_staff, call, is_allowed)
        if access.who is Who.STAFF and not (access is ACCESS[ADMIN] and call == calls[0]):
            # The admin's index shows a staff user without permissions an empty page; each model's page refuses.
            expect("staff without permissions", as_bare_staff, call, is_refused)
        if access.who is Who.STAFF:
            for name, caller in staff_with_and_without(access.perms_for(call)):
                expect(name, caller, call, is_allowed if name.startswith("staff with exactly") else is_refused)
    return problems


def staff_with_and_without(perms: tuple[str, ...]) -> list[tuple[str, Caller]]:
    """Staff holding exactly `perms`, and staff holding every staff tool's permission but those."""
    if not perms:
        return []
    others = [perm for perm in STAFF_TOOL_PERMISSIONS if perm not in perms]
    return [
        (f"staff with exactly {', '.join(perms)}", Caller(BaseUserFactory.create(is_staff=True, permissions=perms))),
        (f"staff without {', '.join(perms)}", Caller(BaseUserFactory.create(is_staff=True, permissions=others))),
    ]


@pytest.mark.parametrize("key", list(ACCESS))
def test_access_is_as_the_table_says(key):
    assert check(ACCESS[key]) == [], f"{key} should be callable by {ACCESS[key].who.value}"


def test_every_staff_entry_names_the_permissions_it_needs_and_they_exist():
    unnamed = [
        f"{key} {call}"
        for key, access in ACCESS.items()
        if access.who in (Who.STAFF, Who.OWNER_OR_STAFF) and key != ADMIN
        for call in access.calls
        if not access.perms_for(call)
    ]
    named = {perm for access in ACCESS.values() for call in access.calls for perm in access.perms_for(call)}
    existing = {
        f"{app_label}.{codename}"
        for app_label, codename in Permission.objects.values_list("content_type__app_label", "codename")
    }

    assert unnamed == [], "Name the model permission each staff call needs (the one its admin page checks)."
    assert named - existing == set()
    # The `staff_user` fixture holds every one of them, so that tests of the staff tools can use them all.
    assert named <= set(STAFF_TOOL_PERMISSIONS)


# --- The checks themselves can fail ---


def test_a_pattern_without_an_entry_is_named_with_a_line_to_fill_in(monkeypatch):
    monkeypatch.delitem(ACCESS, "api/emails/<int:email_id>/retry/")

    message = missing_entries_message(missing_entries())

    assert message.startswith("1 URL pattern(s) have no entry in ACCESS")
    assert (
        '"api/emails/<int:email_id>/retry/": Access(Who.???, ("POST /api/emails/<int:email_id>/retry/",)),' in message
    )


@pytest.mark.parametrize(
    ("access", "problems"),
    [
        (Access(Who.ANYONE, ("GET /api/emails/",)), ["anonymous GET /api/emails/: 401", "user GET /api/emails/: 403"]),
        (
            Access(Who.STAFF, ("GET /api/users/me/",)),
            ["user GET /api/users/me/: 200", "staff without permissions GET /api/users/me/: 200"],
        ),
        # The permission named is not the one the view checks.
        (
            Access(Who.STAFF, ("GET /api/emails/",), perms=("emails.change_email",)),
            [
                "staff with exactly emails.change_email GET /api/emails/: 403",
                "staff without emails.change_email GET /api/emails/: 200",
            ],
        ),
        (Access(Who.USER, ("POST /api/users/",)), ["anonymous POST /api/users/: 400"]),
    ],
)
def test_an_entry_that_is_wrong_is_reported(access, problems):
    assert check(access) == problems


def owned_probe(user: BaseUser) -> dict[str, Any]:
    return {"user_id": user.id}


@pytest.mark.urls("styleguide_project.api.tests.owner_probe_urls")
def test_owner_entries_are_checked_against_other_users_and_staff():
    owner_only = Access(Who.OWNER, ("GET /owned/{user_id}/",), owned=owned_probe)
    leaky = Access(Who.OWNER, ("GET /leaky/{user_id}/",), owned=owned_probe)
    leaky_but_staff_may = Access(Who.OWNER_OR_STAFF, ("GET /leaky/{user_id}/",), owned=owned_probe)

    assert check(owner_only) == []
    assert [problem.split()[0:2] for problem in check(leaky)] == [["another", "user"], ["staff", "GET"]]
    # It lets in staff without any permission too.
    assert [problem.split()[0:2] for problem in check(leaky_but_staff_may)] == [
        ["another", "user"],
        ["staff", "without"],
    ]
