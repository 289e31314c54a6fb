from typing import cast

import factory
from django.utils import timezone

from styleguide_project.users.models import BaseUser

TEST_PASSWORD = "a-long-test-password"

# Every permission a staff API or page checks, and the admin's editing of draft campaigns: what the
# `staff_user` fixture holds, so that tests of the staff tools run as a staff user who may use all of them
# (a superuser would pass any check).
STAFF_TOOL_PERMISSIONS = (
    "emails.view_email",
    "emails.change_email",
    "campaigns.view_emailcampaign",
    "campaigns.add_emailcampaign",
    "campaigns.change_emailcampaign",
    "tasks.view_deadletter",
    "tasks.change_deadletter",
    "task_progress.view_taskownership",
)


class BaseUserFactory(factory.django.DjangoModelFactory[BaseUser]):
    class Meta:
        model = BaseUser
        # The `permissions` hook writes its own rows; the user needs no second save.
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"user{n}@example.com")
    password = factory.django.Password(TEST_PASSWORD)
    # Most tests are about users who got past registration; a test about
    # verification asks for `email_verified_at=None`.
    email_verified_at = factory.LazyFunction(timezone.now)

    @factory.post_generation
    def permissions(self, create: bool, extracted: list[str] | None, **kwargs: object) -> None:
        """`permissions=["tasks.view_deadletter", ...]`: grant these model permissions (`<app_label>.<codename>`)."""
        if not create or not extracted:
            return
        from django.contrib.auth.models import Permission

        user = cast(BaseUser, self)  # factory_boy calls the hook with the object it made
        for name in extracted:
            app_label, codename = name.split(".")
            user.user_permissions.add(Permission.objects.get(content_type__app_label=app_label, codename=codename))
