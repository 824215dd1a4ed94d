"""Rate limits of the portal: links asked for per client address and per e-mail address.

Each link sent costs one from both counters. A counter allows LIMITS[kind] links in a
WINDOW that starts with its first link; past that, asking is refused (before any
work is done) until the window ends. The e-mail counter keeps anyone from flooding a
person's mailbox; the client counter keeps one machine from flooding many. Both
count the same whether or not the address is known to Lethe.
"""

from __future__ import annotations

import datetime

from django.db import transaction
from django.utils import timezone

from lethe.portal import digests
from lethe.portal.models import Throttle

WINDOW = datetime.timedelta(hours=1)
LIMITS = {"email": 3, "client": 10}


def _keys(email: str, address: str) -> dict[str, int]:
    """Return each counter's key with its limit."""
    return {
        digests.email(email): LIMITS["email"],
        digests.client(address): LIMITS["client"],
    }


@transaction.atomic
def take(email: str, address: str) -> datetime.timedelta | None:
    """Count one link for both counters; return how long to wait instead if one is full."""
    now = timezone.now()
    keys = _keys(email, address)
    rows = []
    for key in sorted(keys):
        row, _ = Throttle.objects.select_for_update().get_or_create(
            key=key, defaults={"window_start": now}
        )
        if now - row.window_start >= WINDOW:
            row.count, row.window_start = 0, now
        rows.append(row)
    full = [r.window_start + WINDOW - now for r in rows if r.count >= keys[r.key]]
    if full:
        return max(full)
    for row in rows:
        row.count += 1
        row.save(update_fields=["count", "window_start"])
    return None


def forget_old(now=None) -> int:
    """Delete counters whose window ended (they would start afresh anyway)."""
    now = now or timezone.now()
    return Throttle.objects.filter(window_start__lte=now - WINDOW).delete()[0]
