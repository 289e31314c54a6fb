import pytest

from styleguide_project.campaigns.models import EmailCampaignRecipient
from styleguide_project.campaigns.tests.factories import EmailCampaignRecipientFactory
from styleguide_project.users.services import user_delete
from styleguide_project.users.tests.factories import BaseUserFactory

pytestmark = pytest.mark.django_db


def test_a_deleted_accounts_recipient_rows_lose_the_address():
    user = BaseUserFactory.create(email="ada@example.com")
    mine = EmailCampaignRecipientFactory.create(email__to="ada@example.com")
    other = EmailCampaignRecipientFactory.create(email__to="bob@example.com")

    user_delete(user=user, notify=False)

    addresses = dict(EmailCampaignRecipient.objects.values_list("id", "address"))
    assert addresses == {mine.id: f"deleted-user-{user.id}@deleted.invalid", other.id: "bob@example.com"}
