"""The privacy console's home: panels that features add (requests, consents, breaches, ...).

A feature registers a panel with a template and a function giving its context:

    @console.panel("consents/panel.html", order=20)
    def consents_panel(request):
        return {"withdrawn_this_week": ...}

The home page (`/console/`) shows the panels in `order`, each template included with
its context as `panel`. Panels show counts and links, never personal data: the home
page is outside any case.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass

from django.utils import timezone


@dataclass(frozen=True)
class Panel:
    template: str
    context: Callable[[object], dict]
    order: int = 100


PANELS: dict[str, Panel] = {}


def panel(template: str, *, order: int = 100):
    """Register the decorated function as the context of a panel of the console's home."""

    def decorate(fn: Callable[[object], dict]) -> Callable[[object], dict]:
        PANELS[template] = Panel(template, fn, order)
        return fn

    return decorate


def panels(request) -> list[dict]:
    """Return the panels to show, each with its template and context."""
    return [
        {"template": p.template, "context": p.context(request)}
        for p in sorted(PANELS.values(), key=lambda p: (p.order, p.template))
    ]


@panel("dsr/panels/requests.html", order=10)
def requests_panel(request) -> dict:
    """Open requests: how many, how many overdue or due within 7 days, the next deadline."""
    from lethe.dsr import deadlines, queries

    today = timezone.localdate()
    soon = today + datetime.timedelta(days=deadlines.DUE_SOON_DAYS)
    found = queries.listed(open=True)
    return {
        "open": found.count(),
        "overdue": found.filter(deadline_on__lt=today).count(),
        "due_soon": found.filter(deadline_on__gte=today, deadline_on__lte=soon).count(),
        "next": found.first(),
    }


@panel("dsr/panels/break_glass.html", order=5)
def break_glass_panel(request) -> dict:
    """Open break-glass accesses: personal data read outside any case, shown first."""
    from lethe.dsr import breakglass

    return {"accesses": breakglass.active_accesses()}


@panel("dsr/panels/records.html", order=50)
def records_panel(request) -> dict:
    """Where the rest of the privacy console lives: records of processing, retention, holds."""
    from lethe.dsr.models import Notification
    from lethe.retention import engine

    return {
        "due_for_retention": sum(len(item.ids) for item in engine.plan()),
        "notifications_open": Notification.objects.filter(notified_on__isnull=True).count(),
    }
