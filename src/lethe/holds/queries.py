"""Which holds a list shows."""

from __future__ import annotations

from django.db.models import QuerySet

from lethe.holds.models import LegalHold

PAGE_SIZE = 50
STATES = ("active", "released", "all")


def listed(state: str = "active") -> QuerySet[LegalHold]:
    """Return the holds in `state` (active, released or all), ending soonest first."""
    if state not in STATES:
        raise ValueError(f"must be one of {', '.join(STATES)}")
    holds = LegalHold.objects.all()
    if state == "active":
        holds = holds.filter(released_at__isnull=True)
    elif state == "released":
        holds = holds.filter(released_at__isnull=False)
    return holds.order_by("ends_on", "pk")
