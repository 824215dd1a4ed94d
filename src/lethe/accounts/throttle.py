"""Slow down password guessing without letting anyone lock a victim out (ASVS 2.2.1).

Failed log-ins are counted per (account, client address) and per client address.
From PAIR_LIMIT failures for a pair (ADDRESS_LIMIT for an address) each further
attempt must wait a delay that doubles with every failure, up to MAX_DELAY; an
attempt made too early is refused before the password is checked. Nothing is
counted per account alone, so an attacker's failures never stop the real user
logging in from another address. A successful log-in clears its pair's count; the
address count only fades after QUIET without failures (else an attacker holding one
account could clear it at will).
"""

from __future__ import annotations

import datetime

from django.db import transaction
from django.utils import timezone
from django.utils.crypto import salted_hmac

from lethe.accounts.models import LoginThrottle

PAIR_LIMIT = 5
# Higher than the pair's: several people may share one office address.
ADDRESS_LIMIT = 20
FIRST_DELAY = datetime.timedelta(seconds=15)
MAX_DELAY = datetime.timedelta(minutes=15)
QUIET = datetime.timedelta(hours=24)


def _digest(*parts: str) -> str:
    value = "\x00".join(parts)
    return salted_hmac("lethe.accounts.throttle", value, algorithm="sha256").hexdigest()


def _keys(email: str, address: str) -> dict[str, int]:
    """Return each counter's key with its limit."""
    return {
        _digest("pair", email.strip().lower(), address): PAIR_LIMIT,
        _digest("address", address): ADDRESS_LIMIT,
    }


def delay(failures: int, limit: int) -> datetime.timedelta:
    """Return how long to wait after `failures` failures (zero below `limit`)."""
    if failures < limit:
        return datetime.timedelta(0)
    return min(FIRST_DELAY * 2 ** min(failures - limit, 16), MAX_DELAY)


def wait(email: str, address: str) -> datetime.timedelta | None:
    """Return how long this attempt must still wait, or None if it may go ahead."""
    now = timezone.now()
    blocked = LoginThrottle.objects.filter(
        key__in=_keys(email, address), blocked_until__gt=now
    ).values_list("blocked_until", flat=True)
    return max(blocked) - now if blocked else None


@transaction.atomic
def failed(email: str, address: str) -> None:
    """Count a failed log-in for the pair and the address."""
    now = timezone.now()
    for key, limit in _keys(email, address).items():
        row, _ = LoginThrottle.objects.select_for_update().get_or_create(
            key=key, defaults={"last_failure_at": now}
        )
        if now - row.last_failure_at > QUIET:
            row.failures = 0
        row.failures += 1
        row.last_failure_at = now
        wait_for = delay(row.failures, limit)
        row.blocked_until = now + wait_for if wait_for else None
        row.save(update_fields=["failures", "last_failure_at", "blocked_until"])


def succeeded(email: str, address: str) -> None:
    """Clear the pair's count after a successful log-in."""
    LoginThrottle.objects.filter(key=_digest("pair", email.strip().lower(), address)).delete()


def in_words(wait_for: datetime.timedelta) -> str:
    """Return a wait as the log-in page says it: '40 seconds', '3 minutes'."""
    seconds = max(1, round(wait_for.total_seconds()))
    if seconds < 90:
        return f"{seconds} second{'s' if seconds != 1 else ''}"
    return f"{round(seconds / 60)} minutes"
