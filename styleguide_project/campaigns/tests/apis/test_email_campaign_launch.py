import pytest
from django.utils import timezone

from styleguide_project.campaigns.models import EmailCampaign
from styleguide_project.users.tests.factories import BaseUserFactory

pytestmark = pytest.mark.django_db
URL = "/api/emails/campaigns/"


def test_staff_queue_a_campaign_and_follow_it(staff_client, django_capture_on_commit_callbacks):
    BaseUserFactory.create_batch(2, onboarded_at=timezone.now())

    with django_capture_on_commit_callbacks(execute=True):
        response = staff_client.post(URL, {"subject": "News", "plain_text": "Hello"}, format="json")

    assert response.status_code == 202
    body = response.json()
    campaign = EmailCampaign.objects.get()
    assert body == {
        "id": campaign.id,
        "status": "SENDING",
        "task_id": campaign.task_id,
        # Absolute, like every link the API answers with.
        "status_url": f"http://testserver/api/tasks/{campaign.task_id}/",
        "progress_url": f"http://testserver/tasks/{campaign.task_id}/progress/",
    }
    # The run happened (eagerly) on commit; its status is there for the client that queued it.
    status = staff_client.get(body["status_url"]).json()
    assert (status["state"], status["progress"]["percent"]) == ("SUCCESS", 100.0)
    assert status["result"] == {
        "redirect": f"/emails/campaigns/{campaign.id}/",
        "campaign_id": campaign.id,
        "status": "DONE",
    }


@pytest.mark.parametrize(
    "payload",
    [
        {},
        {"subject": "News"},
        {"subject": "", "plain_text": "x"},
        {"subject": "x" * 256, "plain_text": "x"},
        [1],
        # Strings, as the schema says: not numbers read as their digits.
        {"subject": "News", "plain_text": 0},
        {"subject": 1, "plain_text": "x"},
    ],
)
def test_bad_input_is_a_400(staff_client, payload):
    response = staff_client.post(URL, payload, format="json")

    assert response.status_code == 400
    assert response.json()["message"] == "Validation error"
    assert EmailCampaign.objects.count() == 0


@pytest.mark.parametrize(
    "subject", ["News\r\nBcc: x@example.com", "News\vBcc", "News\fBcc", "News\u2028Bcc", "News\n", "\nNews"]
)
def test_a_subject_on_two_lines_is_a_400_naming_the_field(staff_client, subject):
    # A line break at either end too: the subject is not trimmed, so it is refused as the schema's pattern says.
    payload = {"subject": subject, "plain_text": "x"}

    response = staff_client.post(URL, payload, format="json")

    assert response.status_code == 400
    assert response.json()["extra"]["fields"] == {"subject": ["A subject is a single line."]}


def test_non_staff_is_a_403(user_client):
    assert user_client.post(URL, {"subject": "News", "plain_text": "x"}, format="json").status_code == 403


@pytest.mark.django_db(transaction=True)
def test_in_eager_mode_the_answer_tells_the_state_after_the_run(staff_client):
    # Real commits: the launch's on_commit runs the campaign inside the request, as under `make run`.
    BaseUserFactory.create_batch(2, onboarded_at=timezone.now())

    response = staff_client.post(URL, {"subject": "News", "plain_text": "Hello"}, format="json")

    assert response.status_code == 202
    campaign = EmailCampaign.objects.get()
    assert campaign.status == EmailCampaign.Status.DONE
    assert response.json()["status"] == "DONE"
