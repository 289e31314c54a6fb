"""`Idempotency-Key` on the two creating APIs: a retry gets the first answer and creates nothing."""

import threading
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from rest_framework.test import APIClient

from styleguide_project.api.models import IdempotencyKey
from styleguide_project.campaigns import apis as campaign_apis
from styleguide_project.campaigns.models import EmailCampaign
from styleguide_project.emails import apis as email_apis
from styleguide_project.emails.models import Email
from styleguide_project.emails.tests.factories import EmailFactory
from styleguide_project.users.tests.factories import STAFF_TOOL_PERMISSIONS, BaseUserFactory
from testing.concurrency import run_at_once
from testing.services import service_missing

pytestmark = pytest.mark.django_db
CAMPAIGNS = "/api/emails/campaigns/"
SEND = "/api/emails/send/"
CAMPAIGN = {"subject": "News", "plain_text": "Hello"}


def _post(client, url, body, key="key-1", **headers):
    if key is not None:
        headers["HTTP_IDEMPOTENCY_KEY"] = key
    return client.post(url, body, format="json", **headers)


def test_a_retry_with_the_same_key_and_body_gets_the_first_answer_and_creates_nothing(staff_client):
    first = _post(staff_client, CAMPAIGNS, CAMPAIGN)
    # The same JSON written in another key order is the same body.
    again = _post(staff_client, CAMPAIGNS, {"plain_text": "Hello", "subject": "News"})

    assert first.status_code == again.status_code == 202
    assert again.content == first.content
    assert "Idempotent-Replayed" not in first
    assert again["Idempotent-Replayed"] == "true"
    assert EmailCampaign.objects.count() == 1
    assert IdempotencyKey.objects.get().response_status == 202


def test_a_send_retried_with_its_key_queues_nothing_more(staff_client, django_capture_on_commit_callbacks):
    email = EmailFactory.create()

    with django_capture_on_commit_callbacks(execute=True) as first_callbacks:
        first = _post(staff_client, SEND, {"ids": [email.id]})
    with django_capture_on_commit_callbacks(execute=True) as retry_callbacks:
        again = _post(staff_client, SEND, {"ids": [email.id]})

    assert first.json() == again.json() == {"queued": 1, "ids": [email.id]}
    assert first_callbacks
    assert retry_callbacks == []


def test_the_same_key_with_another_body_is_a_422_and_does_nothing(staff_client):
    _post(staff_client, CAMPAIGNS, CAMPAIGN)

    response = _post(staff_client, CAMPAIGNS, {**CAMPAIGN, "subject": "Other news"})

    assert response.status_code == 422
    assert response.json() == {
        "message": "This Idempotency-Key was used with another request body. Use a new key for a new request.",
        "extra": {},
    }
    assert list(EmailCampaign.objects.values_list("subject", flat=True)) == ["News"]


def test_keys_are_per_user(staff_client):
    other = APIClient()
    other.force_authenticate(BaseUserFactory.create(is_staff=True, permissions=STAFF_TOOL_PERMISSIONS))

    mine = _post(staff_client, CAMPAIGNS, CAMPAIGN)
    theirs = _post(other, CAMPAIGNS, {**CAMPAIGN, "subject": "Their news"})

    assert (mine.status_code, theirs.status_code) == (202, 202)
    assert "Idempotent-Replayed" not in theirs
    assert EmailCampaign.objects.count() == 2


def test_keys_are_per_path(staff_client):
    email = EmailFactory.create()

    _post(staff_client, CAMPAIGNS, CAMPAIGN)
    response = _post(staff_client, SEND, {"ids": [email.id]})

    assert response.status_code == 202
    assert "Idempotent-Replayed" not in response


def test_an_expired_key_runs_as_a_new_request(staff_client, settings):
    settings.IDEMPOTENCY_KEY_TTL_HOURS = 24
    _post(staff_client, CAMPAIGNS, CAMPAIGN)
    IdempotencyKey.objects.update(created_at=timezone.now() - timedelta(hours=24, seconds=1))

    # Even with another body: the old key is gone.
    response = _post(staff_client, CAMPAIGNS, {**CAMPAIGN, "subject": "Later news"})

    assert response.status_code == 202
    assert "Idempotent-Replayed" not in response
    assert EmailCampaign.objects.count() == 2
    assert IdempotencyKey.objects.get().created_at > timezone.now() - timedelta(minutes=1)


def test_without_the_header_every_request_runs(staff_client):
    _post(staff_client, CAMPAIGNS, CAMPAIGN, key=None)
    _post(staff_client, CAMPAIGNS, CAMPAIGN, key=None)

    assert EmailCampaign.objects.count() == 2
    assert not IdempotencyKey.objects.exists()


@pytest.mark.parametrize("key", ["", " ", "k" * 256, "clé", "tab\there", "del\x7f"])
def test_a_malformed_key_is_a_400_and_nothing_is_done(staff_client, key):
    response = _post(staff_client, CAMPAIGNS, CAMPAIGN, key=key)

    assert response.status_code == 400
    assert response.json() == {
        "message": "Idempotency-Key must be 1 to 255 printable ASCII characters, such as a UUID.",
        "extra": {"header": "Idempotency-Key"},
    }
    assert not EmailCampaign.objects.exists()
    assert not IdempotencyKey.objects.exists()


def test_the_drafts_quoted_key_is_the_same_key_as_the_bare_one(staff_client):
    _post(staff_client, CAMPAIGNS, CAMPAIGN, key='"8e03978e-40d5"')

    again = _post(staff_client, CAMPAIGNS, CAMPAIGN, key="8e03978e-40d5")

    assert again["Idempotent-Replayed"] == "true"
    assert IdempotencyKey.objects.get().key == "8e03978e-40d5"


def test_a_refused_input_is_not_kept_so_the_corrected_body_runs_under_the_same_key(staff_client):
    refused = _post(staff_client, CAMPAIGNS, {"subject": "News"})

    corrected = _post(staff_client, CAMPAIGNS, CAMPAIGN)

    assert refused.status_code == 400
    assert refused.json()["message"] == "Validation error"
    assert corrected.status_code == 202
    assert "Idempotent-Replayed" not in corrected
    assert EmailCampaign.objects.count() == 1


def test_a_broken_rule_is_kept_and_replayed(staff_client):
    # The request ran and answered: a retry learns the same, even once the emails exist.
    response = _post(staff_client, SEND, {"ids": [424242]})
    EmailFactory.create(id=424242)

    again = _post(staff_client, SEND, {"ids": [424242]})

    assert response.status_code == again.status_code == 400
    assert again.json() == response.json()
    assert again["Idempotent-Replayed"] == "true"
    assert Email.objects.get().status == Email.Status.READY


@pytest.mark.parametrize("url", [CAMPAIGNS, SEND])
def test_a_key_needs_the_permission_like_the_request(user_client, url):
    response = _post(user_client, url, CAMPAIGN)

    assert response.status_code == 403
    assert not IdempotencyKey.objects.exists()


def test_a_5xx_is_not_kept_its_work_rolls_back_and_a_retry_succeeds(staff_client, monkeypatch):
    landed: list[int] = []

    def fail_after_the_launch(*, campaign_id):
        # The fault lands after the campaign was created and queued, before the answer.
        landed.append(EmailCampaign.objects.filter(id=campaign_id).count())
        raise RuntimeError("the database went away")

    monkeypatch.setattr(campaign_apis, "email_campaign_get", fail_after_the_launch)
    failed = _post(staff_client, CAMPAIGNS, CAMPAIGN)
    monkeypatch.undo()
    retried = _post(staff_client, CAMPAIGNS, CAMPAIGN)

    assert landed == [1]
    assert failed.status_code == 500
    assert retried.status_code == 202
    assert "Idempotent-Replayed" not in retried
    assert EmailCampaign.objects.count() == 1
    assert IdempotencyKey.objects.get().response_status == 202


def test_a_5xx_of_a_send_queues_nothing(staff_client, monkeypatch, django_capture_on_commit_callbacks):
    email = EmailFactory.create()
    real_send_all = email_apis.email_send_all

    def send_then_fail(*, emails):
        real_send_all(emails=emails)
        raise RuntimeError("lost mid-way")

    monkeypatch.setattr(email_apis, "email_send_all", send_then_fail)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        failed = _post(staff_client, SEND, {"ids": [email.id]})

    assert failed.status_code == 500
    # Queued inside the request's transaction, which rolled back: nothing reached the broker.
    assert callbacks == []
    assert not IdempotencyKey.objects.exists()


def test_a_replay_costs_a_few_queries_and_no_work(staff_client, django_assert_num_queries):
    _post(staff_client, CAMPAIGNS, CAMPAIGN)

    # One query: the key's row, with its answer.
    with django_assert_num_queries(1):
        again = _post(staff_client, CAMPAIGNS, CAMPAIGN)

    assert again["Idempotent-Replayed"] == "true"


@pytest.mark.django_db(transaction=True)
def test_a_concurrent_duplicate_is_a_409_and_creates_nothing(monkeypatch):
    if connection.vendor != "postgresql":
        service_missing("needs PostgreSQL: two connections at once")
    staff = BaseUserFactory.create(is_staff=True, permissions=STAFF_TOOL_PERMISSIONS)
    in_work, finish = threading.Event(), threading.Event()
    real_launch = campaign_apis.email_campaign_launch
    answers: dict[str, int] = {}

    def slow_launch(**kwargs):
        campaign = real_launch(**kwargs)
        # The first request holds its key, its campaign created but not committed, while the duplicate arrives.
        in_work.set()
        assert finish.wait(timeout=20)
        return campaign

    monkeypatch.setattr(campaign_apis, "email_campaign_launch", slow_launch)

    roles = ["duplicate", "first"]
    taking = threading.Lock()

    def request(start: threading.Barrier) -> None:
        with taking:
            role = roles.pop()
        client = APIClient()
        client.force_authenticate(staff)
        start.wait()
        if role == "first":
            answers["first"] = _post(client, CAMPAIGNS, CAMPAIGN).status_code
            return
        try:
            assert in_work.wait(timeout=20)
            duplicate = _post(client, CAMPAIGNS, CAMPAIGN)
            answers["duplicate"] = duplicate.status_code
            answers["duplicate_extra"] = len(duplicate.json()["extra"])
        finally:
            finish.set()

    run_at_once(request)

    assert answers == {"first": 202, "duplicate": 409, "duplicate_extra": 0}
    assert EmailCampaign.objects.count() == 1
    client = APIClient()
    client.force_authenticate(staff)
    assert _post(client, CAMPAIGNS, CAMPAIGN)["Idempotent-Replayed"] == "true"


def test_a_key_adds_a_fixed_number_of_queries_to_a_request_that_runs(staff_client):
    EmailFactory.create_batch(3)
    # Warm: the user's permissions are read once and cached on it.
    _post(staff_client, SEND, {"status": "FAILED"}, key=None)

    with CaptureQueriesContext(connection) as without_key:
        _post(staff_client, SEND, {"status": "READY"}, key=None)
    Email.objects.update(status=Email.Status.READY)
    with CaptureQueriesContext(connection) as with_key:
        _post(staff_client, SEND, {"status": "READY"})

    verbs = [query["sql"].split(" ", 1)[0] for query in with_key.captured_queries]
    # Claim: read the key, insert it (in a savepoint); the work in a savepoint of its own; record the answer.
    assert len(with_key) - len(without_key) == 7, verbs
    assert verbs[:4] == ["SELECT", "SAVEPOINT", "INSERT", "RELEASE"]
    assert verbs[-2:] == ["UPDATE", "RELEASE"]


@pytest.mark.django_db(transaction=True)
def test_when_the_database_connection_dies_mid_request_nothing_is_kept_and_a_retry_runs(monkeypatch):
    if connection.vendor != "postgresql":
        service_missing("needs PostgreSQL: a server that can end our connection")
    staff = BaseUserFactory.create(is_staff=True, permissions=STAFF_TOOL_PERMISSIONS)
    client = APIClient()
    client.force_authenticate(staff)

    def connection_killed(*, campaign_id):
        # The fault lands after the launch, inside the request's transaction: the server ends the connection.
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_terminate_backend(pg_backend_pid())")

    monkeypatch.setattr(campaign_apis, "email_campaign_get", connection_killed)
    failed = _post(client, CAMPAIGNS, CAMPAIGN)
    monkeypatch.undo()
    connection.close()

    assert failed.status_code == 500
    assert failed.json()["message"] == "Internal server error"
    # The campaign went with the transaction; the key was freed on a new connection, so a retry runs at once.
    assert not EmailCampaign.objects.exists()
    assert not IdempotencyKey.objects.exists()
    retried = _post(client, CAMPAIGNS, CAMPAIGN)
    assert retried.status_code == 202
    assert EmailCampaign.objects.count() == 1
