"""A successful session login (the login page, the admin) remembers the address it came from."""

from typing import Any

from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver
from django.http import HttpRequest

from styleguide_project.authentication.throttling import login_address_remember


@receiver(user_logged_in)
def _remember_login_address(sender: Any, request: HttpRequest | None, user: Any, **kwargs: Any) -> None:
    if request is not None:
        login_address_remember(request=request, email=user.email)
