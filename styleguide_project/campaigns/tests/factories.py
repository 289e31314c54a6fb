import factory

from styleguide_project.campaigns.models import EmailCampaign, EmailCampaignRecipient
from styleguide_project.emails.tests.factories import EmailFactory


class EmailCampaignFactory(factory.django.DjangoModelFactory[EmailCampaign]):
    class Meta:
        model = EmailCampaign

    subject = factory.Faker("sentence", nb_words=4)
    plain_text = factory.Faker("paragraph")
    status = EmailCampaign.Status.DRAFT


class EmailCampaignRecipientFactory(factory.django.DjangoModelFactory[EmailCampaignRecipient]):
    """A campaign's email to one address, as the campaign creates it: `email__status=...` sets the email's fields."""

    class Meta:
        model = EmailCampaignRecipient

    campaign = factory.SubFactory(EmailCampaignFactory)
    email = factory.SubFactory(EmailFactory, bulk=True)
    address = factory.SelfAttribute("email.to")
