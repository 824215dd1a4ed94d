"""Deadlines of data-subject requests (Art. 12(3)).

A request is answered within one calendar month of receipt; a month later than the
31st ends on the last day of the shorter month (31 January gives 28 or 29 February).
The deadline may be extended once by up to two further months, with a reason that
must reach the person before the first month ends.
"""

from __future__ import annotations

from datetime import date, timedelta

from dateutil.relativedelta import relativedelta

MAX_EXTENSION_MONTHS = 2
DUE_SOON_DAYS = 7


def due_on(received: date) -> date:
    """Return the last day to answer a request received on `received`."""
    return received + relativedelta(months=1)


def extended_due_on(received: date, months: int) -> date:
    """Return the deadline after an extension of `months` (1 or 2) further months."""
    if not 1 <= months <= MAX_EXTENSION_MONTHS:
        raise ValueError(f"an extension is 1 to {MAX_EXTENSION_MONTHS} months")
    return received + relativedelta(months=1 + months)


def check_extension(received: date, notified_on: date, months: int) -> None:
    """Raise ValueError unless an extension of `months`, told on `notified_on`, is lawful."""
    extended_due_on(received, months)
    if notified_on > due_on(received):
        raise ValueError("the person must be told of the extension within the first month")
    if notified_on < received:
        raise ValueError("the person cannot be told before the request was received")


def flag(due: date, today: date) -> str:
    """Return "overdue", "due-soon" (within 7 days) or "" for a deadline seen on `today`."""
    if due < today:
        return "overdue"
    if due <= today + timedelta(days=DUE_SOON_DAYS):
        return "due-soon"
    return ""
