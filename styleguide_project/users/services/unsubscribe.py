"""Campaigns, the user's choice: the unsubscribe link and headers of a campaign email, and unsubscribing by it.

Mail providers (Gmail, Yahoo) ask bulk senders for a one-click unsubscribe
(RFC 8058): a `List-Unsubscribe` header with an https link, and
`List-Unsubscribe-Post: List-Unsubscribe=One-Click`, telling them to POST to
that link, without cookies or a login, when the person clicks "Unsubscribe"
in the mail client. The link is this server's page (SITE_URL), which also
shows a button to a person who opens it in a browser.
"""

from django.conf import settings
from django.db import transaction
from django.urls import reverse

from styleguide_project.core.exceptions import ApplicationError
from styleguide_project.users.models import BaseUser
from styleguide_project.users.tokens import unsubscribe_token_make, unsubscribe_token_user_id

INVALID_LINK = "This unsubscribe link is not valid: open the link from the email as it is."

# The body RFC 8058 has mail providers POST, and the header that asks them to.
ONE_CLICK = "List-Unsubscribe=One-Click"


def user_unsubscribe_link(*, user: BaseUser) -> str:
    """The absolute link that unsubscribes `user` from campaigns; empty when SITE_URL is not set."""
    if not settings.SITE_URL:
        return ""
    path = reverse("users:unsubscribe", kwargs={"token": unsubscribe_token_make(user=user)})
    return f"{settings.SITE_URL}{path}"


def user_unsubscribe_headers(*, user: BaseUser) -> dict[str, str]:
    """The header fields of a campaign email to `user`: `List-Unsubscribe`, and the one-click POST when it has a link.

    The link (SITE_URL) and the mailto address (EMAIL_UNSUBSCRIBE_MAILTO) are
    each included when set; with neither, no header. `List-Unsubscribe-Post`
    goes only with the link (a mailto address cannot be POSTed to); RFC 8058
    wants it https, which production requires of SITE_URL (config/checks.py).
    """
    link = user_unsubscribe_link(user=user)
    targets = [f"<{link}>"] if link else []
    if settings.EMAIL_UNSUBSCRIBE_MAILTO:
        targets.append(f"<mailto:{settings.EMAIL_UNSUBSCRIBE_MAILTO}?subject=unsubscribe>")
    if not targets:
        return {}
    headers = {"List-Unsubscribe": ", ".join(targets)}
    if link:
        headers["List-Unsubscribe-Post"] = ONE_CLICK
    return headers


def user_get_by_unsubscribe_token(*, token: str) -> BaseUser | None:
    """The user an unsubscribe token names, None if the account is gone; an `ApplicationError` if it is not a token.

    A read, for the page a GET of the link shows: opening a link changes nothing.
    """
    user_id = unsubscribe_token_user_id(token)
    if user_id is None:
        raise ApplicationError(INVALID_LINK)
    return BaseUser.objects.filter(id=user_id).first()


@transaction.atomic
def user_unsubscribe(*, token: str) -> BaseUser | None:
    """Stop campaigns to the user the token names; None if the account is gone (it receives nothing anyway).

    Idempotent: a second click (a mail provider retrying its POST) changes
    nothing more. Emails about the account itself (verification, password
    reset, notices) are not campaigns and still go out. Campaigns being sent
    leave the user out of every chunk not yet built; an email already
    created for them may still arrive.
    """
    user_id = unsubscribe_token_user_id(token)
    if user_id is None:
        raise ApplicationError(INVALID_LINK)
    user = BaseUser.objects.select_for_update().filter(id=user_id).first()
    if user is not None and user.receives_campaigns:
        user.receives_campaigns = False
        user.save(update_fields=["receives_campaigns", "updated_at"])
    return user
