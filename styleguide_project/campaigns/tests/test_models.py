import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import ProtectedError

from styleguide_project.campaigns.models import EmailCampaign, EmailCampaignRecipient
from styleguide_project.campaigns.tests.factories import EmailCampaignFactory, EmailCampaignRecipientFactory
from styleguide_project.emails.models import Email
from styleguide_project.emails.tests.factories import EmailFactory
from styleguide_project.emails.tests.test_models import LINE_BREAKS


@pytest.mark.parametrize("line_break", LINE_BREAKS)
def test_a_subject_with_any_line_break_is_refused(line_break):
    campaign = EmailCampaign(subject=f"News{line_break}Bcc: everyone@example.com", plain_text="x")

    with pytest.raises(ValidationError) as excinfo:
        campaign.full_clean()

    assert excinfo.value.message_dict == {"subject": ["A subject is a single line."]}


def test_a_single_line_subject_passes():
    EmailCampaign(subject="Café\tnews — 50% off", plain_text="x").full_clean()


@pytest.mark.django_db
def test_the_database_refuses_a_second_email_to_one_address_in_one_campaign():
    # The guarantee behind the chunk's row lock, held by the database itself (bulk_create skips full_clean).
    first = EmailCampaignRecipientFactory.create(email__to="ada@example.com")
    second_email = EmailFactory.create(to="ada@example.com", bulk=True)

    with pytest.raises(IntegrityError), transaction.atomic():
        EmailCampaignRecipient.objects.create(campaign=first.campaign, email=second_email, address="ada@example.com")

    # Another campaign may email the same address.
    EmailCampaignRecipientFactory.create(email=second_email, address="ada@example.com")
    assert EmailCampaignRecipient.objects.filter(address="ada@example.com").count() == 2


@pytest.mark.django_db
def test_a_campaign_that_emailed_people_and_its_emails_cannot_be_deleted():
    recipient = EmailCampaignRecipientFactory.create()

    with pytest.raises(ProtectedError):
        recipient.campaign.delete()
    with pytest.raises(ProtectedError):
        recipient.email.delete()

    assert EmailCampaign.objects.filter(id=recipient.campaign_id).exists()
    assert Email.objects.filter(id=recipient.email_id).exists()
    # A campaign that emailed nobody may go.
    draft = EmailCampaignFactory.create()
    draft.delete()
    assert not EmailCampaign.objects.filter(id=draft.id).exists()
