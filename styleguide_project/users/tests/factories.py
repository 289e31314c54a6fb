import factory
from django.utils import timezone

from styleguide_project.users.models import BaseUser

TEST_PASSWORD = "a-long-test-password"


class BaseUserFactory(factory.django.DjangoModelFactory[BaseUser]):
    class Meta:
        model = BaseUser

    email = factory.Sequence(lambda n: f"user{n}@example.com")
    password = factory.django.Password(TEST_PASSWORD)
    # Most tests are about users who got past registration; a test about
    # verification asks for `email_verified_at=None`.
    email_verified_at = factory.LazyFunction(timezone.now)
