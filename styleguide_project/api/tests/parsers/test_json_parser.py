"""Bad input answers 4xx in the error shape and is logged as a warning, never a 500 or an ERROR."""

import json
import logging

import pytest

pytestmark = pytest.mark.django_db
REGISTER = "/api/users/"


def assert_error_shape(response, status):
    assert response.status_code == status
    body = response.json()
    assert set(body) == {"message", "extra"}
    assert isinstance(body["message"], str)
    return body


def test_a_ten_megabyte_body_is_a_413(api_client, caplog):
    body = json.dumps({"email": "a@example.com", "password": "x" * (10 * 1024 * 1024)})

    with caplog.at_level(logging.INFO):
        response = api_client.generic("POST", REGISTER, body, content_type="application/json")

    error = assert_error_shape(response, 413)
    assert "too large" in error["message"] or "larger than" in error["message"]
    assert not [record for record in caplog.records if record.levelno >= logging.ERROR]


def test_json_nested_two_thousand_deep_is_a_400(api_client, caplog):
    body = "[" * 2000 + "]" * 2000

    with caplog.at_level(logging.INFO):
        response = api_client.generic("POST", REGISTER, body, content_type="application/json")

    error = assert_error_shape(response, 400)
    assert "nested deeper" in error["message"]
    assert not [record for record in caplog.records if record.levelno >= logging.ERROR]


def test_brackets_inside_strings_do_not_count_as_nesting(api_client):
    body = json.dumps({"email": "[" * 500 + "@example.com", "password": "{" * 500})

    response = api_client.generic("POST", REGISTER, body, content_type="application/json")

    assert response.status_code == 400
    assert "fields" in response.json()["extra"]


@pytest.mark.parametrize("value", [2**63, 10**30])
def test_an_id_beyond_the_database_range_is_a_400(staff_client, value, caplog):
    with caplog.at_level(logging.INFO):
        response = staff_client.post("/api/emails/send/", {"ids": [1, value]}, format="json")

    error = assert_error_shape(response, 400)
    # The item of the list that was refused, by its index.
    assert list(error["extra"]["fields"]) == ["ids.1"]
    assert not [record for record in caplog.records if record.levelno >= logging.ERROR]
