from styleguide_project.campaigns.tasks.sending import email_campaign_send

__all__ = ("email_campaign_send",)
