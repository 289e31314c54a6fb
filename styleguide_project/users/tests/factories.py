import factory

from styleguide_project.users.models import BaseUser

TEST_PASSWORD = "a-long-test-password"


class BaseUserFactory(factory.django.DjangoModelFactory[BaseUser]):
    class Meta:
        model = BaseUser

    email = factory.Sequence(lambda n: f"user{n}@example.com")
    password = factory.django.Password(TEST_PASSWORD)
