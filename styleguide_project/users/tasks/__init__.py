from styleguide_project.users.tasks.onboarding import user_onboarding_reminders_send

__all__ = ("user_onboarding_reminders_send",)
