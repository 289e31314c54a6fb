"""Staff tools check the Django model permissions the admin checks, so a staff user can do over the API and on
the staff pages exactly what their permissions let them do in the admin, and nothing more.

- APIs: `permission_classes = [StaffPermission.requiring("tasks.view_deadletter")]`.
- HTML views: `StaffPermissionRequiredMixin` with `permission_required = "campaigns.view_emailcampaign"`.

Both let in active staff holding every permission named (`<app_label>.<action>_<model>`, Django's default model
permissions); superusers hold them all.
"""

from typing import Any

from django.contrib.auth.mixins import PermissionRequiredMixin
from django.http import HttpRequest
from rest_framework.permissions import BasePermission
from rest_framework.request import Request


class StaffPermission(BasePermission):
    """Active staff with the model permissions `perms`; everyone else is refused (401 without credentials,
    403 with).

    Not DRF's `DjangoModelPermissions`: it maps methods to permissions (and
    GET to none at all), while here an action says which permission it is,
    as an admin action does (replaying a dead letter is a POST that needs
    `change`).
    """

    perms: tuple[str, ...] = ()

    @classmethod
    def requiring(cls, *perms: str) -> type["StaffPermission"]:
        if not perms or any(perm.count(".") != 1 for perm in perms):
            raise ValueError(f"Name each permission as '<app_label>.<codename>', got {perms!r}.")
        return type(f"StaffWith_{'_'.join(perm.replace('.', '_') for perm in perms)}", (cls,), {"perms": perms})

    def has_permission(self, request: Request, view: Any) -> bool:
        user = request.user
        if not (user and user.is_authenticated and user.is_active and user.is_staff):
            return False
        if user.has_perms(self.perms):
            return True
        # Staff know the permission names from the admin; saying which is missing saves a guess.
        self.message = f"This needs the permission {', '.join(self.perms)}."
        return False


class StaffPermissionRequiredMixin(PermissionRequiredMixin):
    """Django's `PermissionRequiredMixin`, for active staff only: anonymous visitors go to the login page and
    back; logged-in users who are not staff, or lack a permission, get 403."""

    request: HttpRequest

    def has_permission(self) -> bool:
        user = self.request.user
        return bool(user.is_active and user.is_staff) and super().has_permission()
