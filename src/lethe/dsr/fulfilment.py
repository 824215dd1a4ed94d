"""What fulfilling a request does, per kind: each feature registers its handler here.

A handler takes (actor, request) for a request with confirmed subjects, does the work
(make the report, erase, restrict, ...) and returns the outcome to record: a small
JSON-able dict of evidence (ids of exports, the erasure certificate, counts), never
personal data. Handlers must be safe to run again after an interruption.
"""

from __future__ import annotations

from collections.abc import Callable

from django.core.exceptions import ValidationError

from lethe.dsr.models import Request
from lethe.vault.policy import Actor

Handler = Callable[[Actor, Request], dict]
HANDLERS: dict[str, Handler] = {}


def handles(kind: str):
    """Register the decorated function as the handler of requests of `kind`."""
    Request.Kind(kind)

    def decorate(handler: Handler) -> Handler:
        HANDLERS[kind] = handler
        return handler

    return decorate


def handler_for(request: Request) -> Handler:
    try:
        return HANDLERS[request.kind]
    except KeyError:
        message = f"{request.kind} requests cannot be fulfilled yet"
        raise ValidationError({"kind": message}) from None


# What fulfilling would do, shown before it is done (e.g. the erasure plan): a planner
# takes (actor, request) and returns a JSON-able dict without personal data.
PLANNERS: dict[str, Handler] = {}


def plans(kind: str):
    """Register the decorated function as the planner of requests of `kind`."""
    Request.Kind(kind)

    def decorate(planner: Handler) -> Handler:
        PLANNERS[kind] = planner
        return planner

    return decorate


def planner_for(request: Request) -> Handler | None:
    """Return the planner of the request's kind, or None where fulfilling needs no plan."""
    return PLANNERS.get(request.kind)
