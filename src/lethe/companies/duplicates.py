"""Duplicate checks for companies: the organisation number is unique, a domain only warns."""

from __future__ import annotations

from lethe.companies.models import Company
from lethe.contacts.duplicates import Duplicate


def find(org_number: str = "", domain: str = "", *, exclude: int | None = None) -> list[Duplicate]:
    """Return the companies with this (normalised) organisation number or domain."""
    found: dict[int, str] = {}
    for name, value in (("org_number", org_number), ("domain", domain)):
        if not value:
            continue
        others = Company.objects.filter(**{name: value})
        if exclude is not None:
            others = others.exclude(pk=exclude)
        for pk in others.values_list("pk", flat=True)[:20]:
            found.setdefault(pk, name)
    return [Duplicate(pk, on) for pk, on in sorted(found.items())]
