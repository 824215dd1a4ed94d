"""Normalise personal identifiers before they are blind-indexed.

A blind index stores a keyed hash of a value, so two spellings of one identifier
only match if they are turned into exactly the same string first. The functions
here do that for e-mail addresses, phone numbers, Swedish personal identity
numbers, birth dates and names. They are pure: no database, no settings.

Every function raises `InvalidValue` with a short message that can be shown to
the user as is.
"""

from __future__ import annotations

import datetime
import re
import unicodedata

import phonenumbers
from django.core.exceptions import ValidationError
from django.core.validators import EmailValidator

__all__ = [
    "InvalidValue",
    "birth_date",
    "email",
    "fold",
    "luhn_ok",
    "name_index_terms",
    "name_query_terms",
    "name_tokens",
    "personnummer",
    "phone",
]

# Nobody alive, nor anyone plausibly in a CRM's records, was born earlier.
EARLIEST_BIRTH_DATE = datetime.date(1870, 1, 1)

# Samordningsnummer add this to the day of birth to tell them apart.
SAMORDNING_DAY_OFFSET = 60

# Letters NFKD leaves whole because they are letters of their own, not a base
# letter with a mark; without this "Søren" and "Soren" would never match.
_FOLD_TABLE = str.maketrans(
    {
        "ø": "o",
        "æ": "ae",
        "œ": "oe",
        "ð": "d",
        "þ": "th",
        "ł": "l",
        "ß": "ss",
        "đ": "d",
        "ħ": "h",
        "\u0131": "i",  # dotless i, as in Turkish names
        "ŧ": "t",
    }
)

# [^\W_] is "a letter or digit in any script"; the underscore is the one
# non-alphanumeric that \w lets through.
_WORD = re.compile(r"[^\W_]+")

# ASCII digits only: Python's \d would also accept Arabic-Indic and other digits.
_PERSONNUMMER = re.compile(
    r"(?P<century>[0-9]{2})?(?P<yymmdd>[0-9]{6})(?P<sep>[-+]?)(?P<nnnc>[0-9]{4})"
)

# phonenumbers turns letters into keypad digits and silently drops extensions,
# both of which would make different inputs collide in the index.
_PHONE_CHARACTERS = re.compile(r"[0-9+\-()./\s]+")

_ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")

_email_validator = EmailValidator()


class InvalidValue(ValueError):
    """A value that cannot be normalised; its message is short and meant for the user."""


def _text(value: object, what: str) -> str:
    """Return `value` stripped of surrounding whitespace, or raise if it is not text."""
    if not isinstance(value, str):
        raise InvalidValue(f"{what} must be text")
    return value.strip()


def email_key(text: str) -> str:
    """Return an already validated e-mail address trimmed, NFC-normalised and case-folded."""
    # Casefolding can produce decomposed sequences, so normalise again after it.
    return unicodedata.normalize("NFC", unicodedata.normalize("NFC", text.strip()).casefold())


def email(value: str) -> str:
    """Return the e-mail address trimmed, NFC-normalised and case-folded."""
    text = email_key(_text(value, "an e-mail address"))
    if not text:
        raise InvalidValue("enter an e-mail address")
    try:
        _email_validator(text)
    except ValidationError:
        # Django's message is a lazy translation that needs settings; ours does not.
        raise InvalidValue("not a valid e-mail address") from None
    return text


def phone(value: str, region: str = "SE") -> str:
    """Return the phone number in E.164 form, reading national numbers as `region`'s."""
    text = _text(value, "a phone number")
    if not text:
        raise InvalidValue("enter a phone number")
    if not _PHONE_CHARACTERS.fullmatch(text):
        raise InvalidValue("a phone number may contain only digits, spaces and + - ( ) . /")
    region = region.upper()
    if region not in phonenumbers.SUPPORTED_REGIONS:
        raise InvalidValue(f"unknown phone region {region}")
    try:
        number = phonenumbers.parse(text, region)
    except phonenumbers.NumberParseException:
        raise InvalidValue("not a valid phone number") from None
    reason = phonenumbers.is_possible_number_with_reason(number)
    if reason == phonenumbers.ValidationResult.TOO_SHORT:
        raise InvalidValue("phone number is too short")
    if reason == phonenumbers.ValidationResult.TOO_LONG:
        raise InvalidValue("phone number is too long")
    if reason == phonenumbers.ValidationResult.INVALID_LENGTH:
        raise InvalidValue("phone number has the wrong number of digits")
    if reason != phonenumbers.ValidationResult.IS_POSSIBLE:
        raise InvalidValue("not a valid phone number")
    if not phonenumbers.is_valid_number(number):
        raise InvalidValue("not a valid phone number")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def luhn_ok(digits: str) -> bool:
    """Return whether the ASCII digit string ends in a correct Luhn check digit."""
    if not digits or not digits.isascii() or not digits.isdigit():
        return False
    total = 0
    # Counting from the right keeps the weights right for strings of any length.
    for position, char in enumerate(reversed(digits)):
        digit = int(char)
        if position % 2:
            digit *= 2
            if digit > 9:
                digit -= 9
        total += digit
    return total % 10 == 0


def _most_recent_year(yy: int, month: int, day: int, today: datetime.date) -> int:
    """Return the latest year ending in `yy` whose month and day are not after `today`."""
    year = today.year - (today.year - yy) % 100
    # Tuples rather than dates, so that 29 February picks a century even in
    # years where it does not exist; the caller's date check then rejects it.
    if (year, month, day) > (today.year, today.month, today.day):
        year -= 100
    return year


def personnummer(value: str, today: datetime.date | None = None) -> str:
    """Return a personnummer or samordningsnummer as 12 digits, YYYYMMDDNNNC."""
    text = _text(value, "a personal identity number")
    match = _PERSONNUMMER.fullmatch(text)
    if match is None:
        raise InvalidValue("not a personal identity number: use YYYYMMDD-NNNN or YYMMDD-NNNN")
    if today is None:
        today = datetime.date.today()
    yymmdd, nnnc, sep = match["yymmdd"], match["nnnc"], match["sep"]
    if not luhn_ok(yymmdd + nnnc):
        raise InvalidValue("check digit is wrong")
    yy, month, day = int(yymmdd[:2]), int(yymmdd[2:4]), int(yymmdd[4:])
    real_day = day - SAMORDNING_DAY_OFFSET if day > SAMORDNING_DAY_OFFSET else day
    if match["century"] is not None:
        year = int(match["century"] + yymmdd[:2])
    elif sep == "+":
        # Skatteverket writes "+" from the calendar year the person turns 100,
        # so the birth year is at most today's year minus 100.
        year = today.year - 100 - (today.year - 100 - yy) % 100
    else:
        year = _most_recent_year(yy, month, real_day, today)
    try:
        born = datetime.date(year, month, real_day)
    except ValueError:
        raise InvalidValue(
            f"birth date {year:04d}-{month:02d}-{real_day:02d} does not exist"
        ) from None
    if born > today:
        raise InvalidValue("birth date is in the future")
    if born < EARLIEST_BIRTH_DATE:
        raise InvalidValue(f"birth date is before {EARLIEST_BIRTH_DATE.year}")
    if nnnc[:3] == "000":
        raise InvalidValue("birth number 000 is not assigned")
    return f"{year:04d}{yymmdd[2:]}{nnnc}"


def birth_date(value: datetime.date | str, today: datetime.date | None = None) -> datetime.date:
    """Return a birth date given as a date or an ISO YYYY-MM-DD string, checked for sense."""
    # A datetime is a date too, but its time and zone would make the day ambiguous.
    if isinstance(value, datetime.datetime):
        raise InvalidValue("a birth date must be a date without a time")
    if isinstance(value, datetime.date):
        born = value
    else:
        text = _text(value, "a birth date")
        # fromisoformat alone would also accept "19900101" and week dates.
        if not _ISO_DATE.fullmatch(text):
            raise InvalidValue("not a date: use YYYY-MM-DD")
        try:
            born = datetime.date.fromisoformat(text)
        except ValueError:
            raise InvalidValue(f"date {text} does not exist") from None
    if today is None:
        today = datetime.date.today()
    if born > today:
        raise InvalidValue("birth date is in the future")
    if born < EARLIEST_BIRTH_DATE:
        raise InvalidValue(f"birth date is before {EARLIEST_BIRTH_DATE.year}")
    return born


def fold(text: str) -> str:
    """Return the text case- and accent-folded, so "Öström" and "ostrom" compare equal."""
    # Casefold first: it can itself produce marks (e.g. "İ" gives "i" + dot),
    # which the decomposition and filter below then remove.
    decomposed = unicodedata.normalize("NFKD", _text(text, "a name").casefold())
    bare = "".join(char for char in decomposed if not unicodedata.combining(char))
    return bare.translate(_FOLD_TABLE)


def name_tokens(value: str) -> list[str]:
    """Return the folded words of a name, in order and without repeats."""
    return list(dict.fromkeys(_WORD.findall(fold(value))))


def name_index_terms(value: str, min_prefix: int = 3) -> set[str]:
    """Return the blind-index terms of a name: "w:" whole words and "p:" prefixes."""
    if min_prefix < 1:
        raise ValueError("min_prefix must be at least 1")
    terms: set[str] = set()
    for token in name_tokens(value):
        terms.add(f"w:{token}")
        # A whole word is also its own longest prefix, so a prefix search for
        # the full word finds it.
        terms.update(f"p:{token[:end]}" for end in range(min_prefix, len(token) + 1))
    return terms


def name_query_terms(query: str, min_prefix: int = 3) -> list[str]:
    """Return the index terms a name search must all match: prefixes, or short whole words."""
    if min_prefix < 1:
        raise ValueError("min_prefix must be at least 1")
    tokens = name_tokens(query)
    if not tokens:
        raise InvalidValue("enter at least one letter or digit")
    # Short tokens have no prefix terms in the index, so they can only match a whole word.
    return [f"p:{token}" if len(token) >= min_prefix else f"w:{token}" for token in tokens]
