"""Swedish organisation numbers (organisationsnummer): NNNNNN-NNNN with a Luhn check digit."""

import re

from lethe.vault.normalize import luhn_ok

_FORM = re.compile(r"(?:16)?(\d{6})-?(\d{4})")


class InvalidOrgNumber(ValueError):
    """Not a valid organisation number; the message says why."""


def normalise(value: str) -> str:
    """Return the number as NNNNNN-NNNN, or raise InvalidOrgNumber."""
    match = _FORM.fullmatch(value.strip().replace(" ", ""))
    if not match:
        raise InvalidOrgNumber("an organisation number has 10 digits, as NNNNNN-NNNN")
    digits = match[1] + match[2]
    if int(digits[2]) < 2:
        # Legal entities have 2 or more as the third digit; a lower one is a date, i.e.
        # a sole trader's personal identity number, which is personal data.
        raise InvalidOrgNumber(
            "this is a personal identity number (a sole trader's); record it on the contact"
        )
    if not luhn_ok(digits):
        raise InvalidOrgNumber("the check digit is wrong")
    return f"{digits[:6]}-{digits[6:]}"
