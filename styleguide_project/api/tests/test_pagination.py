import pytest

from styleguide_project.emails.tests.factories import EmailFactory

pytestmark = pytest.mark.django_db
URL = "/api/emails/"


@pytest.mark.parametrize(
    ("query", "field", "message"),
    [
        ({"limit": -1}, "limit", "Ensure this value is greater than or equal to 1."),
        ({"limit": 0}, "limit", "Ensure this value is greater than or equal to 1."),
        ({"limit": 201}, "limit", "Ensure this value is less than or equal to 200."),
        ({"limit": "ten"}, "limit", "A valid integer is required."),
        ({"offset": -1}, "offset", "Ensure this value is greater than or equal to 0."),
        ({"offset": 2**63}, "offset", "Ensure this value is less than or equal to 9223372036854775807."),
        ({"offset": "x"}, "offset", "A valid integer is required."),
    ],
)
def test_a_limit_or_offset_out_of_range_is_a_400_not_another_page(staff_client, query, field, message):
    EmailFactory.create_batch(2)

    response = staff_client.get(URL, query)

    assert response.status_code == 400
    assert response.json() == {"message": "Validation error", "extra": {"fields": {field: [message]}}}


@pytest.mark.parametrize(("query", "returned"), [({}, 3), ({"limit": 1}, 1), ({"limit": 200, "offset": 2}, 1)])
def test_limits_in_range_and_the_default_page(staff_client, query, returned):
    EmailFactory.create_batch(3)

    response = staff_client.get(URL, query)

    assert response.status_code == 200
    assert len(response.json()["results"]) == returned


def test_the_largest_offset_is_an_empty_page(staff_client):
    EmailFactory.create()

    response = staff_client.get(URL, {"offset": 2**63 - 1})

    assert response.status_code == 200
    assert response.json()["results"] == []
