import pytest
from django.utils import timezone

from styleguide_project.emails.models import Email
from styleguide_project.emails.services import email_create_from_template
from styleguide_project.users.tests.factories import BaseUserFactory

pytestmark = pytest.mark.django_db


def test_renders_subject_html_and_text_from_the_templates():
    user = BaseUserFactory.create(email="ada@example.com", onboarded_at=timezone.now())

    email = email_create_from_template(to=user.email, template="onboarding", context={"user": user})

    assert email.status == Email.Status.READY
    assert email.subject == "Welcome aboard, ada@example.com"
    assert "<strong>Welcome!</strong>" in email.html
    assert email.plain_text.startswith("Hello ada@example.com,")
    assert "<" not in email.plain_text
