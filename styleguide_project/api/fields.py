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
