import factory

from styleguide_project.emails.models import Email, EmailCampaign


class EmailFactory(factory.django.DjangoModelFactory[Email]):
    class Meta:
        model = Email

    to = factory.Sequence(lambda n: f"recipient{n}@example.com")
    subject = factory.Faker("sentence", nb_words=4)
    html = factory.LazyAttribute(lambda email: f"<p>{email.subject}</p>")
    plain_text = factory.LazyAttribute(lambda email: email.subject)
    status = Email.Status.READY


class EmailCampaignFactory(factory.django.DjangoModelFactory[EmailCampaign]):
    class Meta:
        model = EmailCampaign

    subject = factory.Faker("sentence", nb_words=4)
    plain_text = factory.Faker("paragraph")
    status = EmailCampaign.Status.DRAFT
