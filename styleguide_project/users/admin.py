from django.contrib import admin

from styleguide_project.users.models import BaseUser


@admin.register(BaseUser)
class BaseUserAdmin(admin.ModelAdmin[BaseUser]):
    list_display = (
        "email",
        "is_active",
        "is_staff",
        "email_verified_at",
        "onboarded_at",
        "onboarding_reminded_at",
        "created_at",
    )
    list_filter = ("is_active", "is_staff")
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
    )
