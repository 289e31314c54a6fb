"""Assertions shared by API tests."""

from typing import Any


def assert_throttled(response: Any, *, period_seconds: int) -> None:
    """A 429 in the error shape, whose Retry-After and `extra.wait_seconds` agree and fit the period."""
    assert response.status_code == 429
    body = response.json()
    wait = body["extra"]["wait_seconds"]
    assert body == {
        "message": f"Request was throttled. Expected available in {wait} seconds.",
        "extra": {"wait_seconds": wait},
    }
    assert 1 <= wait <= period_seconds
    assert response["Retry-After"] == str(wait)
