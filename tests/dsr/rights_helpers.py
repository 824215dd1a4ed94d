"""Helpers of the rights tests: people with contacts, requests in a case, fulfilment."""

from __future__ import annotations

from lethe.accounts.actions import actor_for
from lethe.contacts.actions import create_contact
from lethe.contacts.models import Contact
from lethe.dsr import fulfilment, register
from lethe.dsr.models import Request
from lethe.vault.policy import Actor, Purpose

SYSTEM = Actor.system("tests")
CR = Purpose.CUSTOMER_RELATIONSHIP


def contact_for(owner, person: dict) -> Contact:
    """Create a contact of `person` (synthetic data) owned by `owner`."""
    return create_contact(SYSTEM, CR, person, {"owner": owner})


def open_case(dpo, kind: str, *contacts: Contact) -> Request:
    """Register a request of `kind` by the DPO; locate and confirm these contacts' people."""
    actor = actor_for(dpo)
    request = register.open_request(actor, kind, "email", {"email": "asker@example.org"})
    subjects = [c.subject_id for c in contacts]
    if subjects:
        register.link_subjects(actor, request, subjects)
        register.confirm(actor, request, subjects)
    return Request.objects.get(pk=request.pk)


def fulfil(dpo, request: Request, *, close: bool = True) -> dict:
    """Do what the register's fulfil does: run the kind's handler in the request's case,
    then record the outcome and close the request."""
    actor = actor_for(dpo, case=request.case)
    outcome = fulfilment.handler_for(request)(actor, request)
    if close:
        register.complete(actor, Request.objects.get(pk=request.pk), outcome)
    return outcome
