"""The profile: the fields a user owns and may change themselves."""

from typing import Any

from django.db import transaction

from styleguide_project.common.services import model_update
from styleguide_project.users.models import BaseUser

# What a user may change about themselves. The address has its own flow
# (`user_email_change_request`), the password its own, and the rest (staff,
# verification, onboarding) is the project's to set.
USER_OWNED_FIELDS = ["name", "receives_campaigns"]


@transaction.atomic
def user_update(*, user: BaseUser, data: dict[str, Any]) -> BaseUser:
    """Change the fields of `data` that the user owns (USER_OWNED_FIELDS); any other key is a programming error."""
    unknown = set(data) - set(USER_OWNED_FIELDS)
    if unknown:
        raise ValueError(f"Not fields a user may change: {sorted(unknown)}")
    user = BaseUser.objects.select_for_update().get(id=user.id)
    user, _ = model_update(instance=user, fields=USER_OWNED_FIELDS, data=data)
    return user
