"""Receivers of what other apps announce."""

from typing import Any

from django.dispatch import receiver

from styleguide_project.campaigns.models import EmailCampaignRecipient
from styleguide_project.users.services.deletion import user_deleted_address
from styleguide_project.users.signals import user_deleted


@receiver(user_deleted)
def _recipients_anonymise(sender: Any, *, user_id: int, email: str, **kwargs: Any) -> None:
    # A campaign's recipient row keeps the address so that a campaign sent
    # again skips it; once the account is gone the address is personal data
    # with no use (the person is no longer a recipient), so it becomes the
    # same placeholder as the emails' (one per user: the per-campaign
    # uniqueness holds).
    EmailCampaignRecipient.objects.filter(address=email).update(address=user_deleted_address(user_id=user_id))
