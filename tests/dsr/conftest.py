"""A person with everything, and an access request about them confirmed by a DPO."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

import pytest

from lethe.accounts.models import RoleGrant, User
from lethe.activities.actions import create_activity
from lethe.activities.mentions import token
from lethe.attachments import actions as attachments
from lethe.attachments.registry import resolve
from lethe.companies.models import Company
from lethe.contacts.actions import create_contact, update_contact
from lethe.contacts.models import Contact
from lethe.customfields.models import CustomField
from lethe.deals.models import Deal, DealContact, Stage
from lethe.dsr import register
from lethe.dsr.models import Request
from lethe.vault import gate
from lethe.vault.policy import Actor, Purpose, Role

SYSTEM = Actor.system("tests")
CR = Purpose.CUSTOMER_RELATIONSHIP
CV = b"Curriculum vitae\nTen years of procurement at a large firm.\n"
OFFER = b"%PDF-1.7 offer for the whole team"


@dataclass
class Everything:
    """The person (A), the people around them, their records and the request about them."""

    person: dict
    contact: Contact
    other: dict  # mentioned in their notes and at their meeting
    other_contact: Contact
    candidate: dict  # located with the same e-mail, never confirmed
    candidate_contact: Contact
    third: dict  # someone whose own note mentions the person
    third_contact: Contact
    owner: User
    colleague: User
    company: Company
    deal: Deal
    request: Request
    dpo_user: User
    old_job_title: str
    nickname: str
    secrets: list[str]  # texts of other people's records that must never be exported

    @property
    def dpo(self) -> Actor:
        """The DPO, working in the request's case."""
        return Actor("user", str(self.dpo_user.pk), frozenset({Role.DPO}), case=self.request.case)


def _user(email: str, display_name: str, role: Role | None = None) -> User:
    user = User.objects.create_user(email, "a long test password 1", display_name=display_name)
    if role:
        RoleGrant.objects.create(user=user, role=role)
    return user


def make_everything(people, kind: str = "access", language: str = "en") -> Everything:
    person, other, candidate, third = people(4, seed=61)
    owner = _user("owner@lethe.example", "Ägda Säljberg", Role.SALES)
    colleague = _user("colleague@lethe.example", "Kolle Gasson", Role.SALES)
    dpo_user = _user("dpo@lethe.example", "Data Skyddsson", Role.DPO)
    company = Company.objects.create(name="Exportbolaget AB")
    nickname_field = CustomField.objects.create(
        entity="contact",
        key="nickname",
        label="Nickname",
        type="text",
        personal=True,
        category="user.name",
        purpose=CR,
    )
    segment = CustomField.objects.create(
        entity="contact", key="segment", label="Segment", type="text"
    )
    region = CustomField.objects.create(entity="deal", key="region", label="Region", type="text")
    contact = create_contact(
        SYSTEM,
        CR,
        person,
        {
            "company": company,
            "owner": owner,
            "stage": "prospect",
            "source": "event",
            "obtained_at": datetime.date(2024, 3, 14),
            "tags": ["vip"],
            "custom": {segment: "Enterprise"},
        },
    )
    nickname = "Lillprinsen"
    gate.write(SYSTEM, contact.subject, {nickname_field.vault_name: nickname}, CR)
    old_job_title = person["job_title"]
    gate.write(SYSTEM, contact.subject, {"job_title": "Head of Procurement"}, CR)
    person = {**person, "job_title": "Head of Procurement"}
    update_contact(SYSTEM, CR, contact, {}, {"stage": "customer"})
    other_contact, candidate_contact, third_contact = (
        create_contact(SYSTEM, CR, p, {"owner": colleague}) for p in (other, candidate, third)
    )
    stage = Stage.objects.order_by("pipeline", "position").first()
    deal = Deal.objects.create(
        title="Årsavtal 2025",
        company=company,
        pipeline=stage.pipeline,
        stage=stage,
        amount=125000,
        owner=owner,
    )
    DealContact.objects.create(deal=deal, contact=contact, role="decision_maker")
    from lethe.customfields.models import CustomValue

    CustomValue.objects.create(field=region, object_id=deal.pk, value="Norrland")
    me, them = token(contact.pk), token(other_contact.pk)
    create_activity(
        SYSTEM,
        CR,
        {"kind": "note", "contact": contact, "body": f"Called {me} about prices; {them} joins."},
        owner=owner,
    )
    create_activity(
        SYSTEM,
        CR,
        {
            "kind": "meeting",
            "deal": deal,
            "participants": [contact, other_contact],
            "body": f"Met {me} and {them} at the fair in Jönköping.",
        },
        owner=colleague,
    )
    secrets = ["Tredje personens hemlighet", "Kandidatens hemlighet"]
    create_activity(
        SYSTEM,
        CR,
        {"kind": "note", "contact": third_contact, "body": f"{secrets[0]}: knows {me}."},
        owner=colleague,
    )
    create_activity(
        SYSTEM,
        CR,
        {"kind": "call", "contact": candidate_contact, "body": f"{secrets[1]}, like {me}."},
        owner=colleague,
    )
    attachments.upload(SYSTEM, CR, resolve(SYSTEM, "contact", contact.pk), "CV.txt", CV)
    attachments.upload(SYSTEM, CR, resolve(SYSTEM, "deal", deal.pk), "Offert.pdf", OFFER)
    request = register.open_request(
        SYSTEM, kind, "email", {"email": person["email"][0]}, received_on=datetime.date(2025, 1, 31)
    )
    if language != "en":
        request.language = language
        request.save(update_fields=["language"])
    register.link_subjects(SYSTEM, request, [contact.subject_id, candidate_contact.subject_id])
    register.confirm(SYSTEM, request, [contact.subject_id])
    return Everything(
        person=person,
        contact=contact,
        other=other,
        other_contact=other_contact,
        candidate=candidate,
        candidate_contact=candidate_contact,
        third=third,
        third_contact=third_contact,
        owner=owner,
        colleague=colleague,
        company=company,
        deal=deal,
        request=request,
        dpo_user=dpo_user,
        old_job_title=old_job_title,
        nickname=nickname,
        secrets=secrets,
    )


@pytest.fixture
def everything(people):
    return make_everything(people)


def full_name(person: dict) -> str:
    return f"{person['first_name']} {person['last_name']}"
