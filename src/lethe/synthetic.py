"""Synthetic people for demo data, fixtures and (later) anonymised clones. Never real data.

Identity numbers come from Skatteverket's published test numbers (data/README.md),
which are never assigned to a real person; phone numbers come from the ranges the
Swedish regulator PTS reserves for use in fiction; e-mail domains are reserved
example domains (RFC 2606).
"""

from __future__ import annotations

import csv
import random
from functools import cache
from importlib import resources

from faker import Faker

EMAIL_DOMAINS = ("example.com", "example.org", "example.net")
# PTS's numbers for fiction: 070-1740600..699, 031-3900600..699, 08-46500400..499.
FICTIONAL_PHONE_RANGES = (  # (prefix, first, last): the number is prefix + a value in [first, last]
    ("+46701740", 600, 699),
    ("+46313900", 600, 699),
    ("+4684650", 400, 499),
)


@cache
def identity_numbers() -> tuple[str, ...]:
    """Return Skatteverket's test personal identity numbers (12 digits each)."""
    with resources.files("lethe").joinpath("data/testpersonnummer.csv").open() as handle:
        return tuple(row["testpersonnummer"] for row in csv.DictReader(handle))


def fictional_phone(rng: random.Random) -> str:
    """Return a Swedish phone number (E.164) from a range reserved for fiction."""
    prefix, first, last = rng.choice(FICTIONAL_PHONE_RANGES)
    return f"{prefix}{rng.randint(first, last)}"


def _ascii(text: str) -> str:
    from lethe.vault.normalize import fold

    return "".join(c for c in fold(text) if c.isalnum())


def person(rng: random.Random, faker: Faker, *, identity_number: str | None = None) -> dict:
    """Return the personal fields of one synthetic person, as the vault takes them."""
    first, last = faker.first_name(), faker.last_name()
    number = identity_number or rng.choice(identity_numbers())
    return {
        "first_name": first,
        "last_name": last,
        "email": [
            f"{_ascii(first)}.{_ascii(last)}{rng.randrange(100)}@{rng.choice(EMAIL_DOMAINS)}"
        ],
        "phone": [fictional_phone(rng)],
        "identity_number": number,
        "birth_date": f"{number[:4]}-{number[4:6]}-{int(number[6:8]) % 60:02d}",
        "address": {
            "street": faker.street_address(),
            "postal_code": faker.postcode(),
            "city": faker.city(),
            "country": "SE",
        },
        "job_title": faker.job()[:200],
    }


def people(count: int, *, seed: int = 0, locales: tuple[str, ...] = ("sv_SE", "en")):
    """Yield `count` synthetic people with distinct identity numbers, reproducibly from `seed`."""
    rng = random.Random(seed)  # noqa: S311 - reproducible test data, not secrets
    fakers = [Faker(locale) for locale in locales]
    for index, faker in enumerate(fakers):
        faker.seed_instance(seed + index)
    numbers = rng.sample(identity_numbers(), min(count, len(identity_numbers())))
    for i in range(count):
        faker = fakers[0] if rng.random() < 0.8 else fakers[-1]
        yield person(rng, faker, identity_number=numbers[i % len(numbers)])


def org_number(rng: random.Random) -> str:
    """Return a valid-looking organisation number of a limited company (5xxxxx-xxxx).

    Company numbers are business data, not personal data; the leading 5 keeps them
    clear of personal identity numbers (sole traders), whose third digit is 0 or 1.
    """
    from lethe.vault.normalize import luhn_ok

    while True:
        digits = "55" + rng.choice("6789") + "".join(str(rng.randrange(10)) for _ in range(6))
        for check in "0123456789":
            if luhn_ok(digits + check):
                return f"{digits[:6]}-{digits[6:]}{check}"


def company(rng: random.Random, faker: Faker) -> dict:
    """Return the fields of one synthetic company (its domain under .example, RFC 2606)."""
    name = faker.company()
    slug = "".join(c for c in _ascii(name).lower() if c.isalnum())[:40] or "bolag"
    return {
        "name": name[:200],
        "org_number": org_number(rng),
        "domain": f"{slug}{rng.randrange(1000)}.example",
        "street": faker.street_address(),
        "postal_code": faker.postcode(),
        "city": faker.city(),
        "country": "SE",
    }
