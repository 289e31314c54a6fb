from django import forms
from django.contrib import admin
from django.db import transaction
from django.db.models import QuerySet
from django.http import HttpRequest

from styleguide_project.users.models import BaseUser, user_normalize_email
from styleguide_project.users.services import user_delete


class BaseUserAdminForm(forms.ModelForm[BaseUser]):
    # No Meta: the admin builds the form for its own fields around this one.

    def clean_email(self) -> str:
        # Stored normalised, as every other path stores it: a second spelling
        # of a taken address would be a second account for one mailbox.
        email = user_normalize_email(self.cleaned_data["email"])
        if BaseUser.objects.filter(email=email).exclude(pk=self.instance.pk).exists():
            raise forms.ValidationError("A user with this email address already exists.", code="unique")
        return email


@admin.register(BaseUser)
class BaseUserAdmin(admin.ModelAdmin[BaseUser]):
    form = BaseUserAdminForm
    list_display = (
        "email",
        "is_active",
        "is_staff",
        "email_verified_at",
        "onboarded_at",
        "onboarding_reminded_at",
        "created_at",
    )
    # receives_campaigns stays editable: an operator may unsubscribe someone who asks by mail.
    list_filter = ("is_active", "is_staff", "receives_campaigns")
    search_fields = ("email",)
    # email_verified_at stays editable: an operator who knows an address is
    # right (an account made in the admin) may mark it verified.
    readonly_fields = (
        "created_at",
        "updated_at",
        "last_login",
        "password",
        "onboarding_reminded_at",
        "email_verification_reminded_at",
        # The address the user asked to move to is theirs to confirm, not the admin's to set.
        "pending_email",
    )

    # Deleting here follows the same policy as the owner's deletion (docs/accounts.md):
    # tokens revoked, unsent emails cancelled, records anonymised. No email is
    # sent: an operator's deletion is not the owner's request.
    def delete_model(self, request: HttpRequest, obj: BaseUser) -> None:
        user_delete(user=obj, notify=False)

    @transaction.atomic
    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[BaseUser]) -> None:
        for user in queryset:
            user_delete(user=user, notify=False)
