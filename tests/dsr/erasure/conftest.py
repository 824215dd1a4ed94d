"""A person with everything Lethe can hold about them, and an erasure request for them."""

from __future__ import annotations

import datetime
import json
from dataclasses import dataclass, field
from uuid import UUID

import pytest
from django.test import Client
from django.utils import timezone

from lethe import synthetic
from lethe.accounts.actions import actor_for
from lethe.accounts.models import User
from lethe.activities import actions as activities
from lethe.activities import mentions
from lethe.activities.models import Activity
from lethe.attachments import actions as files
from lethe.attachments.models import Attachment
from lethe.attachments.registry import resolve
from lethe.companies.models import Company
from lethe.contacts.actions import create_contact
from lethe.contacts.models import Contact
from lethe.core.tags import set_tags
from lethe.deals.models import Deal, Stage
from lethe.dsr import register, store
from lethe.dsr.models import Export, Request
from lethe.vault.policy import Actor, Purpose
from tests.helpers import client_with, post

SYSTEM = Actor.system("tests")
CR = Purpose.CUSTOMER_RELATIONSHIP


@dataclass
class World:
    """One person (the requester), a colleague, their records, and the erasure request."""

    person: dict
    contact: Contact
    colleague: Contact
    owner: User
    sales: Client
    dpo_user: User
    request: Request
    call: Activity
    mention: Activity
    meeting: Activity
    file: Attachment
    call_file: Attachment
    won: Deal
    open_deal: Deal
    access_export: Export
    texts: list[str] = field(default_factory=list)  # free text about the person

    @property
    def subject(self) -> UUID:
        return self.contact.subject_id

    @property
    def dpo(self) -> Actor:
        return actor_for(self.dpo_user, case=self.request.case)

    @property
    def token(self) -> str:
        return f"@[contact:{self.contact.pk}]"


def pick(seed: int, count: int = 2) -> list[dict]:
    """Synthetic people with names long enough to find by a byte scan."""
    found = [
        p
        for p in synthetic.people(60, seed=seed)
        if len(p["first_name"]) >= 5 and len(p["last_name"]) >= 5
    ]
    return found[:count]


def stage(kind: str) -> Stage:
    return Stage.objects.filter(kind=kind).order_by("pipeline", "position").first()


def build(seed: int = 6017, label: str = "w") -> World:
    """Make the person, their records in every app, and an erasure request for them."""
    person, other = pick(seed)
    marker = f"ref {label}{seed}"
    sales, owner = client_with("sales", f"owner-{label}", fresh=True)
    _, dpo_user = client_with("dpo", f"dpo-{label}", fresh=True)
    company = Company.objects.create(name=f"Beställaren {label} AB")
    person["notes"] = f"{person['first_name']} föredrar e-post; {marker}"
    contact = create_contact(SYSTEM, CR, person, {"owner": owner, "company": company})
    set_tags(contact, ["kund", "nyhetsbrev"])
    colleague = create_contact(
        SYSTEM,
        CR,
        {k: other[k] for k in ("first_name", "last_name", "email")},
        {"owner": owner, "company": company},
    )
    call_text = f"Ringde {person['first_name']} {person['last_name']} om offerten, {marker}."
    call = activities.create_activity(
        SYSTEM, CR, {"kind": "call", "contact": contact, "body": call_text}
    )
    mention = activities.create_activity(
        SYSTEM,
        CR,
        {
            "kind": "note",
            "contact": colleague,
            "body": f"Fråga {mentions.token(contact.pk)} om avtalet.",
        },
    )
    meeting = activities.create_activity(
        SYSTEM,
        CR,
        {
            "kind": "meeting",
            "contact": colleague,
            "participants": [contact],
            "occurred_at": timezone.now() - datetime.timedelta(days=3),
            "body": "Genomgång av leveransen.",
        },
    )
    file_text = f"CV för {person['first_name']} {person['last_name']}, {marker}\n"
    file = files.upload(
        SYSTEM,
        CR,
        resolve(SYSTEM, "contact", contact.pk),
        f"cv-{person['last_name']}.txt",
        file_text.encode(),
    )
    call_file = files.upload(
        SYSTEM, CR, resolve(SYSTEM, "activity", call.pk), "samtal.txt", call_text.encode()
    )
    contacts = [{"contact": contact.pk, "role": "decision_maker"}]
    won = post(
        sales,
        "/api/v1/deals",
        {
            "title": f"Licensavtal {label}",
            "company": company.pk,
            "amount": "125000.00",
            "stage": stage("won").pk,
            "contacts": contacts,
        },
    )
    assert won.status_code == 201, won.content
    opened = post(
        sales,
        "/api/v1/deals",
        {"title": f"Utökning {label}", "amount": "5000", "contacts": contacts},
    )
    assert opened.status_code == 201, opened.content
    dpo = actor_for(dpo_user)
    access = register.open_request(dpo, "access", "email", {"email": person["email"][0]})
    register.link_subjects(dpo, access, [contact.subject_id])
    register.confirm(dpo, access, [contact.subject_id])
    report = json.dumps({"name": f"{person['first_name']} {person['last_name']}", **person})
    access_export = store.save(
        actor_for(dpo_user, case=access.case),
        access,
        "access.json",
        f"dsr-{access.pk}-access.json",
        "application/json",
        report.encode(),
    )
    request = register.open_request(dpo, "erasure", "email", {"email": person["email"][0]})
    register.link_subjects(dpo, request, [contact.subject_id])
    register.confirm(dpo, request, [contact.subject_id])
    return World(
        person=person,
        contact=contact,
        colleague=colleague,
        owner=owner,
        sales=sales,
        dpo_user=dpo_user,
        request=request,
        call=call,
        mention=mention,
        meeting=meeting,
        file=file,
        call_file=call_file,
        won=Deal.objects.get(pk=won.json()["id"]),
        open_deal=Deal.objects.get(pk=opened.json()["id"]),
        access_export=access_export,
        texts=[person["notes"], call_text, file_text.strip(), marker],
    )


@pytest.fixture
def world() -> World:
    return build()
