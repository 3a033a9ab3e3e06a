"""Phone numbers staff type for the crisis help: how they may be written, and the link a phone dials."""

import re

from django.core.exceptions import ValidationError

# Digits, with an optional + at the start, and spaces, hyphens or brackets between them.
_WRITTEN = re.compile(r"\+?[0-9 ()\-]+")
MIN_DIGITS = 2  # some emergency numbers are two digits (France: 15, 17, 18)
MAX_DIGITS = 15  # the longest an international number can be (ITU E.164)


def digits(number: str) -> str:
    """What a phone dials: the digits, with the leading + if there is one ("116 123" -> "116123")."""
    number = number.strip()
    return ("+" if number.startswith("+") else "") + "".join(c for c in number if c in "0123456789")


def validate_phone_number(number: str) -> None:
    written = number.strip()
    count = len(digits(written).lstrip("+"))
    if not _WRITTEN.fullmatch(written) or not MIN_DIGITS <= count <= MAX_DIGITS:
        raise ValidationError(
            "Write a phone number in digits, with + at the start for an international number if needed, "
            "and spaces, hyphens or brackets if you like: for example 988, 116 123 or +44 800 689 5652.",
            code="invalid_phone_number",
        )
