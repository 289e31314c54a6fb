"""Serializer fields the API's inputs share."""

from typing import Any

from rest_framework import serializers


class StrictCharField(serializers.CharField):
    """A string, and only a string: DRF's `CharField` also takes a number and reads it as its digits.

    The schema says `"type": "string"`; a client that sends `0` has a bug the
    answer should show, not a subject or a body that reads "0".
    """

    default_error_messages = {"invalid": "Not a valid string."}

    def to_internal_value(self, data: Any) -> str:
        if not isinstance(data, str):
            self.fail("invalid")
        value: str = super().to_internal_value(data)
        return value


class StrictBooleanField(serializers.BooleanField):
    """`true` or `false`, and only those: DRF's `BooleanField` also takes `"yes"`, `"off"`, `1` and `0`.

    The schema says `"type": "boolean"`; a JSON client that sends a string or
    a number has a bug, as with `StrictCharField`. HTML forms send strings, so
    only JSON APIs use it.
    """

    default_error_messages = {"invalid": "Must be true or false."}

    def to_internal_value(self, data: Any) -> bool:
        if not isinstance(data, bool):
            self.fail("invalid")
        return data
