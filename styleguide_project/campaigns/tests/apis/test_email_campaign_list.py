import pytest

from styleguide_project.campaigns.models import EmailCampaign
from styleguide_project.campaigns.tests.factories import EmailCampaignFactory
from styleguide_project.users.tests.factories import BaseUserFactory

pytestmark = pytest.mark.django_db
URL = "/api/emails/campaigns/"


def test_staff_list_campaigns_newest_first_in_pages(staff_client):
    old, middle, new = EmailCampaignFactory.create_batch(3)

    response = staff_client.get(URL, {"limit": 2})

    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 3
    assert [c["id"] for c in body["results"]] == [new.id, middle.id]
    assert body["next"].endswith(f"{URL}?limit=2&offset=2")
    assert body["results"][0] == {
        "id": new.id,
        "subject": new.subject,
        "status": "DRAFT",
        "created_by": None,
        "created_at": new.created_at.isoformat().replace("+00:00", "Z"),
        "finished_at": None,
    }
    assert old.id not in [c["id"] for c in body["results"]]


def test_filters_by_status(staff_client):
    EmailCampaignFactory.create(status=EmailCampaign.Status.DRAFT)
    done = EmailCampaignFactory.create(status=EmailCampaign.Status.DONE)

    response = staff_client.get(URL, {"status": "DONE"})

    assert [c["id"] for c in response.json()["results"]] == [done.id]


@pytest.mark.parametrize("query", ["status=", "status=SENT", "status=done", "limit=0", "offset=-1"])
def test_a_bad_filter_or_page_is_a_400_in_the_error_shape(staff_client, query):
    EmailCampaignFactory.create()

    response = staff_client.get(f"{URL}?{query}")

    assert response.status_code == 400
    assert response.json()["message"] == "Validation error"
    assert list(response.json()["extra"]["fields"]) == [query.split("=")[0]]


@pytest.mark.parametrize("rows", [2, 12])
def test_the_query_count_does_not_grow_with_the_rows(staff_client, django_assert_num_queries, rows):
    EmailCampaignFactory.create_batch(rows, created_by=BaseUserFactory.create())

    # The caller's permissions (their own and their groups'), COUNT and SELECT.
    with django_assert_num_queries(4) as captured:
        response = staff_client.get(URL, {"limit": 50})

    assert len(response.json()["results"]) == rows
    # The list shows no body.
    assert '"plain_text"' not in captured.captured_queries[-1]["sql"]


def test_staff_without_the_view_permission_get_403(api_client):
    api_client.force_authenticate(BaseUserFactory.create(is_staff=True, permissions=["campaigns.add_emailcampaign"]))

    response = api_client.get(URL)

    assert response.status_code == 403
    assert response.json()["message"] == "This needs the permission campaigns.view_emailcampaign."


def test_the_view_permission_lists_but_does_not_launch(api_client):
    api_client.force_authenticate(BaseUserFactory.create(is_staff=True, permissions=["campaigns.view_emailcampaign"]))

    listed = api_client.get(URL)
    launched = api_client.post(URL, {"subject": "News", "plain_text": "Hello"}, format="json")

    assert listed.status_code == 200
    assert launched.status_code == 403
    assert EmailCampaign.objects.count() == 0


def test_another_method_is_a_405_naming_both(staff_client):
    response = staff_client.put(URL, {}, format="json")

    assert response.status_code == 405
    assert set(response.json()) == {"message", "extra"}
    assert response["Allow"] == "GET, POST, HEAD, OPTIONS"
