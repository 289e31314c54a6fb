from typing import Any

from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.db import models

from styleguide_project.common.models import BaseModel


class UserManager(BaseUserManager["BaseUser"]):
    # `createsuperuser` calls the manager; everything else uses `user_create`.
    def create_user(self, email: str, password: str | None = None, **extra: Any) -> "BaseUser":
        from styleguide_project.users.services import user_create

        # createsuperuser has run the password validators already, and lets
        # the operator overrule them; that decision stands.
        return user_create(email=email, password=password, validate_password=False, **extra)

    def create_superuser(self, email: str, password: str | None = None, **extra: Any) -> "BaseUser":
        return self.create_user(email, password, is_staff=True, is_superuser=True, **extra)


class BaseUser(BaseModel, AbstractBaseUser, PermissionsMixin):
    """A user who logs in with an email address (stored lower-cased, unique)."""

    email = models.EmailField(verbose_name="email address", max_length=255, unique=True)
    is_active = models.BooleanField(default=True)
    is_staff = models.BooleanField(default=False)
    onboarded_at = models.DateTimeField(null=True, blank=True)
    # When the onboarding reminder was queued; a user is reminded once at most.
    onboarding_reminded_at = models.DateTimeField(null=True, blank=True)

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"

    class Meta:
        verbose_name = "user"

    def __str__(self) -> str:
        return self.email
