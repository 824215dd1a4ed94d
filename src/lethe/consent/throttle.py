"""Rate limits of the public consent and withdrawal forms (cf. lethe.accounts.throttle).

Submissions are counted in fixed one-hour windows per client address and per e-mail
address, under keyed digests (HMAC-SHA256 with the secret key) so that neither value
is stored. Past a limit the form answers 429 until the window ends; the limits are
the same whether or not the address belongs to anyone, so they tell nothing.
"""

from __future__ import annotations

import datetime

from django.db import transaction
from django.utils import timezone
from django.utils.crypto import salted_hmac

from lethe.consent.models import FormThrottle

WINDOW = datetime.timedelta(hours=1)
# Several people may share one office address; one mailbox needs few links an hour.
ADDRESS_LIMIT = 20
EMAIL_LIMIT = 3


def _digest(*parts: str) -> str:
    value = "\x00".join(parts)
    return salted_hmac("lethe.consent.throttle", value, algorithm="sha256").hexdigest()


@transaction.atomic
def allow(form: str, address: str, email: str) -> bool:
    """Count one submission of `form`; return False if a limit is already reached."""
    now = timezone.now()
    FormThrottle.objects.filter(window_started_at__lt=now - WINDOW).delete()
    limits = {
        _digest(form, "address", address): ADDRESS_LIMIT,
        _digest(form, "email", email.strip().casefold()): EMAIL_LIMIT,
    }
    rows = []
    for key in limits:
        row, _ = FormThrottle.objects.select_for_update().get_or_create(
            key=key, defaults={"window_started_at": now}
        )
        rows.append(row)
    if any(row.count >= limits[row.key] for row in rows):
        return False
    for row in rows:
        row.count += 1
        row.save(update_fields=["count"])
    return True
