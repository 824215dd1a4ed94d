"""A person with something of every kind a request must find, a colleague, and a DPO."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from lethe.accounts.actions import actor_for
from lethe.activities.actions import create_activity
from lethe.attachments import actions as attachments
from lethe.attachments.registry import resolve as attachment_record
from lethe.companies.models import Company
from lethe.contacts.actions import create_contact, update_contact
from lethe.contacts.models import Contact
from lethe.customfields.models import CustomField, CustomValue
from lethe.deals.actions import set_contacts
from lethe.deals.models import Deal, Stage
from lethe.dsr import fulfilment, register
from lethe.vault import gate
from lethe.vault.policy import Actor, Purpose, Role
from tests.helpers import client_with

SYSTEM = Actor.system("tests")
CR = Purpose.CUSTOMER_RELATIONSHIP


@dataclass
class World:
    """The person a request is about (Anna), a colleague (Bertil) and what names Anna."""

    person: dict
    contact: Contact
    other: dict
    other_contact: Contact
    company: Company
    deal: Deal
    own_activity: int
    participant_activity: int
    mention_activity: int
    unrelated_activity: int
    attachment: str
    custom_value: int


@pytest.fixture
def world(people) -> World:
    """Anna at Ekorre AB with a deal, activities, a file, custom fields and a history."""
    anna, bertil = people(2, seed=61)
    company = Company.objects.create(name="Ekorre AB", org_number="556677-8899")
    CustomField.objects.create(
        entity="contact",
        key="allergies",
        label="Allergies",
        type="text",
        personal=True,
        category="user.content",
        purpose="customer_relationship",
    )
    tier = CustomField.objects.create(entity="contact", key="tier", label="Tier", type="text")
    contact = create_contact(SYSTEM, CR, anna, {"company": company, "source": "import"})
    gate.write(SYSTEM, contact.subject, {"cf.allergies": "hasselnötter"}, CR)
    custom = CustomValue.objects.create(field=tier, object_id=contact.pk, value="gold")
    gate.write(SYSTEM, contact.subject, {"job_title": "Chief squirrel"}, CR)  # history
    update_contact(SYSTEM, CR, contact, {}, {"stage": "customer"})  # a record change
    other = create_contact(SYSTEM, CR, bertil, {"company": company})
    stage = Stage.objects.order_by("pipeline", "position").first()
    deal = Deal.objects.create(
        title="Nötter", company=company, pipeline=stage.pipeline, stage=stage, amount=500
    )
    set_contacts(SYSTEM, deal, {contact: "decision_maker"})
    own = create_activity(SYSTEM, CR, {"kind": "call", "contact": contact, "body": "Ringde."})
    meeting = create_activity(
        SYSTEM,
        CR,
        {"kind": "meeting", "contact": other, "participants": [contact], "body": "Möte."},
    )
    note = create_activity(
        SYSTEM, CR, {"kind": "note", "contact": other, "body": f"Fråga @[contact:{contact.pk}]."}
    )
    unrelated = create_activity(SYSTEM, CR, {"kind": "note", "contact": other, "body": "Annat."})
    file = attachments.upload(
        SYSTEM, CR, attachment_record(SYSTEM, "contact", contact.pk), "Avtal.pdf", b"%PDF-1.7 a"
    )
    return World(
        anna,
        contact,
        bertil,
        other,
        company,
        deal,
        own.pk,
        meeting.pk,
        note.pk,
        unrelated.pk,
        str(file.pk),
        custom.pk,
    )


@pytest.fixture
def dpo_user():
    """A signed-in DPO: (client, user)."""
    return client_with(Role.DPO, "dpo", fresh=True)


@pytest.fixture
def dpo(dpo_user):
    return actor_for(dpo_user[1])


@pytest.fixture
def handled():
    """A handler of access requests registered for this test only; it records its calls."""
    calls = []

    def handler(actor, request):
        calls.append((actor.case, [str(s) for s in register.confirmed_subjects(request)]))
        return {"report": f"test-{request.pk}"}

    previous = fulfilment.HANDLERS.get("access")
    fulfilment.HANDLERS["access"] = handler
    yield calls
    if previous is None:
        fulfilment.HANDLERS.pop("access", None)
    else:
        fulfilment.HANDLERS["access"] = previous
