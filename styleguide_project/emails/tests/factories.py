import factory

from styleguide_project.emails.models import Email


class EmailFactory(factory.django.DjangoModelFactory[Email]):
    class Meta:
        model = Email

    to = factory.Sequence(lambda n: f"recipient{n}@example.com")
    subject = factory.Faker("sentence", nb_words=4)
    html = factory.LazyAttribute(lambda email: f"<p>{email.subject}</p>")
    plain_text = factory.LazyAttribute(lambda email: email.subject)
    status = Email.Status.READY
