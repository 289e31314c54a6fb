import pytest
from django.core.exceptions import ValidationError

from styleguide_project.emails.models import Email

# Every separator str.splitlines() breaks on, which is what Python's email package uses on header values.
LINE_BREAKS = ["\n", "\r", "\r\n", "\v", "\f", "\x1c", "\x1d", "\x1e", "\x85", "\u2028", "\u2029"]


def test_the_list_is_every_line_break_of_str_splitlines():
    # Guards the list: a separator Python adds to splitlines() should be added here too.
    breaks = {chr(code) for code in range(0x110000) if len(f"a{chr(code)}b".splitlines()) > 1}

    assert breaks == {sep for sep in LINE_BREAKS if len(sep) == 1}


@pytest.mark.parametrize("line_break", LINE_BREAKS)
def test_a_subject_with_any_line_break_is_refused(line_break):
    email = Email(to="ada@example.com", subject=f"News{line_break}Bcc: x@example.com", html="<p>x</p>", plain_text="x")

    with pytest.raises(ValidationError) as excinfo:
        email.full_clean()

    assert excinfo.value.message_dict == {"subject": ["A subject is a single line."]}


def test_a_single_line_subject_passes():
    Email(to="ada@example.com", subject="Café\tnews — 50% off", html="<p>x</p>", plain_text="x").full_clean()


def _email(headers):
    return Email(to="ada@example.com", subject="News", html="<p>x</p>", plain_text="x", headers=headers)


@pytest.mark.parametrize("line_break", LINE_BREAKS)
def test_a_header_value_with_any_line_break_is_refused(line_break):
    email = _email({"List-Unsubscribe": f"<https://x.example/>{line_break}Bcc: x@example.com"})

    with pytest.raises(ValidationError) as excinfo:
        email.full_clean()

    assert excinfo.value.message_dict == {"headers": ["The value of List-Unsubscribe is not a single line of text."]}


@pytest.mark.parametrize(
    ("headers", "message"),
    [
        ({"Bad Name": "x"}, "Not a header field name: 'Bad Name'."),
        ({"X-A:b": "x"}, "Not a header field name: 'X-A:b'."),
        ({"X-A\nBcc": "x"}, "Not a header field name: 'X-A\\nBcc'."),
        ({"": "x"}, "Not a header field name: ''."),
        ({"X-Count": 1}, "The value of X-Count is not a single line of text."),
        ({"bcc": "x@example.com"}, "bcc is set by the delivery, not by an email's headers."),
        ({"Message-ID": "<x@y>"}, "Message-ID is set by the delivery, not by an email's headers."),
        (["List-Unsubscribe"], "The headers are an object of names to values."),
    ],
)
def test_headers_that_are_not_extra_header_fields_are_refused(headers, message):
    with pytest.raises(ValidationError) as excinfo:
        _email(headers).full_clean()

    assert excinfo.value.message_dict == {"headers": [message]}


def test_extra_header_fields_pass():
    _email({}).full_clean()
    _email({"List-Unsubscribe": "<https://x.example/u/1:s/>, <mailto:u@x.example>", "X-Tag": "a b"}).full_clean()
