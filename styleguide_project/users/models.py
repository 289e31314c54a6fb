import unicodedata
from typing import Any

from django.contrib.auth.hashers import check_password
from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.db import models

from styleguide_project.common.models import BaseModel


def user_normalize_email(email: str) -> str:
    """The stored form of an email address: every comparison of addresses goes through it.

    NFKC first, so that compatibility spellings of one address (a domain in
    fullwidth letters, which Django's validator accepts through IDNA and
    which mail servers deliver to the plain domain; a long s, U+017F) become
    the plain characters; then case-folded, which is lower-casing made for
    comparisons (`ß` and `ss` fold alike). Case folding can leave text that
    is no longer NFKC, so NFKC runs once more: the result is a fixed point,
    and normalising it again changes nothing.
    """
    folded = unicodedata.normalize("NFKC", email.strip()).casefold()
    return unicodedata.normalize("NFKC", folded)


class UserManager(BaseUserManager["BaseUser"]):
    # Django's own commands (`createsuperuser`) call the manager; the project
    # creates users with the `user_create` service. createsuperuser has run
    # the password validators already and lets the operator overrule them,
    # so only the model's own validation runs here.
    def create_user(self, email: str, password: str | None = None, **extra: Any) -> "BaseUser":
        user = self.model(email=user_normalize_email(email), **extra)
        if password is None:
            user.set_unusable_password()
        else:
            user.set_password(password)
        user.full_clean()
        user.save(using=self._db)
        return user

    def create_superuser(self, email: str, password: str | None = None, **extra: Any) -> "BaseUser":
        return self.create_user(email, password, is_staff=True, is_superuser=True, **extra)


class BaseUser(BaseModel, AbstractBaseUser, PermissionsMixin):
    """A user who logs in with an email address (stored normalised by `user_normalize_email`, unique)."""

    email = models.EmailField(verbose_name="email address", max_length=255, unique=True)
    is_active = models.BooleanField(default=True)
    is_staff = models.BooleanField(default=False)
    onboarded_at = models.DateTimeField(null=True, blank=True)
    # When the onboarding reminder was queued; a user is reminded once at most.
    onboarding_reminded_at = models.DateTimeField(null=True, blank=True)
    # When the owner proved the address is theirs (the link in the verification
    # email); reminders and campaigns go only to verified addresses.
    email_verified_at = models.DateTimeField(null=True, blank=True)
    # When the reminder to verify was queued; a user is reminded once at most.
    email_verification_reminded_at = models.DateTimeField(null=True, blank=True)
    # The address the user asked to move to, until they confirm it from that
    # mailbox (the link in the email-change email); empty when none is pending.
    # Only the latest request can be confirmed: a newer one replaces it.
    pending_email = models.EmailField(
        verbose_name="pending email address", max_length=255, blank=True, default="", db_default=""
    )
    # What the user wants to be called in emails and pages; theirs to change.
    # Defaults in the database too: code of the release before, still running
    # while a release migrates, inserts users without these columns.
    name = models.CharField(max_length=150, blank=True, default="", db_default="")
    # Whether campaigns (mail from staff to every user) are sent to this user:
    # theirs to change, in the API or with one click from a campaign email
    # (`user_unsubscribe`). Emails about the account itself are always sent.
    receives_campaigns = models.BooleanField(default=True, db_default=True)

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"

    class Meta:
        verbose_name = "user"

    def __str__(self) -> str:
        return self.email

    # Every place a password changes (the admin's form, `changepassword`, a
    # service) ends in set_password() and save(): the user's API tokens die
    # with the old password. Sessions need nothing here: Django refuses a
    # session whose password hash no longer matches. `keep_token_digest` spares
    # one token: the one the user changed the password with.
    def set_password(self, raw_password: str | None, *, keep_token_digest: str | None = None) -> None:
        super().set_password(raw_password)
        self._password_changed = True
        self._password_change_keeps = keep_token_digest

    def check_password(self, raw_password: str | None) -> bool:
        def rehash(raw_password: str | None) -> None:
            # The right password, stored again with the current hasher (a
            # stronger one, more iterations after a Django upgrade): the same
            # password, so the user's tokens stay, unlike with set_password().
            AbstractBaseUser.set_password(self, raw_password)
            self._password = None
            self.save(update_fields=["password"])

        return check_password(raw_password, self.password, rehash)

    def set_unusable_password(self) -> None:
        super().set_unusable_password()
        self._password_changed = True
        self._password_change_keeps = None

    def save(self, *args: Any, **kwargs: Any) -> None:
        password_changed = getattr(self, "_password_changed", False) and not self._state.adding
        super().save(*args, **kwargs)
        if password_changed:
            from knox.models import AuthToken

            tokens = AuthToken.objects.filter(user=self)
            keep = getattr(self, "_password_change_keeps", None)
            if keep is not None:
                tokens = tokens.exclude(digest=keep)
            tokens.delete()
        self._password_changed = False
        self._password_change_keeps = None
