"""The personal fields the vault knows: their data category, blind index and validation.

Categories follow the Fideslang taxonomy. Later features (custom fields declared
personal by an admin) add fields with `register()`.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum

from lethe.vault import normalize
from lethe.vault.errors import InvalidField

MAX_TEXT = 10_000
MAX_SHORT = 200
MAX_VALUES = 20


class Category(StrEnum):
    """Data categories of personal fields (Fideslang names)."""

    NAME = "user.name"
    EMAIL = "user.contact.email"
    PHONE = "user.contact.phone_number"
    ADDRESS = "user.contact.address"
    GOVERNMENT_ID = "user.government_id"
    DATE_OF_BIRTH = "user.demographic.date_of_birth"
    CONTENT = "user.content"
    JOB_TITLE = "user.job_title"
    FINANCIAL = "user.financial"


class Index(StrEnum):
    """Kinds of blind index, each with its own derived key."""

    NAME = "name"
    EMAIL = "email"
    PHONE = "phone"
    PERSONNUMMER = "personnummer"


def _text(limit: int) -> Callable[[object], str]:
    def clean(value: object) -> str:
        if not isinstance(value, str):
            raise ValueError("must be text")
        value = value.strip()
        if not value:
            raise ValueError("must not be empty")
        if len(value) > limit:
            raise ValueError(f"must be at most {limit} characters")
        return value

    return clean


def _email(value: object) -> str:
    text = _text(254)(value)
    normalize.email(text)  # validates
    return text


def _phone(value: object) -> str:
    return normalize.phone(_text(64)(value))


def _personnummer(value: object) -> str:
    return normalize.personnummer(_text(32)(value))


def _birth_date(value: object) -> str:
    if not isinstance(value, str | datetime.date):
        raise ValueError("must be a date (YYYY-MM-DD)")
    return normalize.birth_date(value).isoformat()


def _address(value: object) -> dict[str, str] | str:
    if isinstance(value, dict):
        parts = {"street", "postal_code", "city", "region", "country"}
        unknown = set(value) - parts
        if unknown:
            raise ValueError(f"unknown address part {sorted(unknown)[0]!r}")
        cleaned = {k: _text(MAX_SHORT)(v) for k, v in value.items() if v not in (None, "")}
        if not cleaned:
            raise ValueError("must not be empty")
        return cleaned
    return _text(MAX_SHORT * 2)(value)


@dataclass(frozen=True)
class PersonalField:
    """A personal field: its category, how it is cleaned, and its blind index if any."""

    name: str
    category: Category
    clean: Callable[[object], object]
    index: Index | None = None
    many: bool = False

    def cleaned(self, value: object) -> object:
        """Return the value to store, or raise InvalidField naming this field."""
        try:
            if not self.many:
                return self.clean(value)
            values = [value] if isinstance(value, str) else value
            if not isinstance(values, list | tuple) or not values:
                raise ValueError("must be a value or a non-empty list of values")
            if len(values) > MAX_VALUES:
                raise ValueError(f"at most {MAX_VALUES} values")
            return list(dict.fromkeys(self.clean(v) for v in values))
        except (ValueError, normalize.InvalidValue) as exc:
            raise InvalidField(self.name, str(exc)) from None

    def index_terms(self, value: object) -> set[str]:
        """Return the normalised terms to blind-index for a value `cleaned()` returned."""
        if self.index is None:
            return set()
        values = value if self.many else [value]
        if self.index is Index.NAME:
            return set().union(*(normalize.name_index_terms(item) for item in values))
        if self.index is Index.EMAIL:
            return {normalize.email_key(item) for item in values}
        # Phone numbers (E.164) and identity numbers (12 digits) are stored canonical.
        return set(values)


FIELDS: dict[str, PersonalField] = {}


def register(field: PersonalField) -> PersonalField:
    """Make a personal field known to the vault."""
    if field.name in FIELDS and FIELDS[field.name] != field:
        raise ValueError(f"personal field {field.name!r} is already registered")
    FIELDS[field.name] = field
    return field


for _field in (
    PersonalField("first_name", Category.NAME, _text(MAX_SHORT), Index.NAME),
    PersonalField("last_name", Category.NAME, _text(MAX_SHORT), Index.NAME),
    PersonalField("email", Category.EMAIL, _email, Index.EMAIL, many=True),
    PersonalField("phone", Category.PHONE, _phone, Index.PHONE, many=True),
    PersonalField("address", Category.ADDRESS, _address),
    PersonalField("identity_number", Category.GOVERNMENT_ID, _personnummer, Index.PERSONNUMMER),
    PersonalField("birth_date", Category.DATE_OF_BIRTH, _birth_date),
    PersonalField("job_title", Category.JOB_TITLE, _text(MAX_SHORT)),
    PersonalField("notes", Category.CONTENT, _text(MAX_TEXT)),
):
    register(_field)


# Functions that define fields the registry does not hold, such as the personal custom
# fields an admin defines at run time (lethe.customfields); each returns None for a
# name it does not know.
_RESOLVERS: list[Callable[[str], PersonalField | None]] = []


def add_resolver(resolve: Callable[[str], PersonalField | None]) -> None:
    """Let `resolve(name)` define personal fields by name (once per resolver)."""
    if resolve not in _RESOLVERS:
        _RESOLVERS.append(resolve)


def get(name: str) -> PersonalField:
    """Return the personal field called `name`, or raise InvalidField."""
    field = FIELDS.get(name)
    if field is None and isinstance(name, str):
        for resolve in _RESOLVERS:
            field = resolve(name)
            if field is not None:
                break
    if field is None:
        raise InvalidField(str(name), "not a personal field")
    return field


def clean(values: dict[str, object]) -> dict[str, object]:
    """Validate a mapping of field name to value; None means remove the field."""
    if not isinstance(values, dict) or not values:
        raise InvalidField("fields", "give at least one personal field")
    return {
        name: None if value is None else get(name).cleaned(value) for name, value in values.items()
    }
