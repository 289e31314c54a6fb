import pytest
from rest_framework import serializers

from styleguide_project.api.fields import StrictBooleanField, StrictCharField


class NameSerializer(serializers.Serializer):
    name = StrictCharField(max_length=5)


@pytest.mark.parametrize("value", [0, 1.5, True, ["x"], {"x": 1}])
def test_anything_but_a_string_is_refused(value):
    serializer = NameSerializer(data={"name": value})

    assert not serializer.is_valid()
    assert serializer.errors == {"name": ["Not a valid string."]}


def test_a_string_is_checked_as_a_char_field_checks_it():
    trimmed, too_long = NameSerializer(data={"name": " ada "}), NameSerializer(data={"name": "toolong"})

    assert trimmed.is_valid()
    assert trimmed.validated_data == {"name": "ada"}
    assert not too_long.is_valid()
    assert too_long.errors == {"name": ["Ensure this field has no more than 5 characters."]}


class ChoiceSerializer(serializers.Serializer):
    flag = StrictBooleanField()


@pytest.mark.parametrize("value", [True, False])
def test_a_boolean_is_taken_as_it_is(value):
    serializer = ChoiceSerializer(data={"flag": value})

    assert serializer.is_valid()
    assert serializer.validated_data == {"flag": value}


@pytest.mark.parametrize("value", ["true", "yes", "off", 1, 0, None, ["x"]])
def test_anything_but_a_boolean_is_refused(value):
    serializer = ChoiceSerializer(data={"flag": value})

    assert not serializer.is_valid()
    assert serializer.errors["flag"] in (["Must be true or false."], ["This field may not be null."])
