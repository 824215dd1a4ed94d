"""Synthetic activities for `lethe demo`: a few per person, some tasks, some mentions."""

from __future__ import annotations

import datetime
import random

from django.utils import timezone
from faker import Faker

from lethe.activities import actions
from lethe.activities.models import Activity
from lethe.contacts.models import Contact
from lethe.deals.models import Deal
from lethe.vault.policy import Actor, Purpose

KINDS = [k for k in Activity.Kind.values if k != Activity.Kind.TASK]
# Every demo text opens with one of these, so a scan of the files at rest can look for
# them (tests/test_demo_at_rest.py): they must only ever be stored sealed.
OPENINGS = (
    "Ringde om offerten.",
    "Skickade avtalsförslaget.",
    "Möte om införandet.",
    "Uppföljning efter demon.",
    "Frågade efter referenskunder.",
)
TWO_YEARS_IN_MINUTES = 60 * 24 * 730
BATCH = 5000


def fill(actor: Actor, rng: random.Random, faker: Faker, per_contact: int = 5) -> int:
    """Create about `per_contact` activities per contact over two years; return how many."""
    contacts = list(Contact.objects.select_related("company", "owner"))
    deals = {}
    for deal in Deal.objects.exclude(company=None):
        deals.setdefault(deal.company_id, deal)
    by_company: dict[int, list[Contact]] = {}
    for contact in contacts:
        by_company.setdefault(contact.company_id, []).append(contact)
    now = timezone.now()
    items = []
    for contact in contacts:
        colleagues = [c for c in by_company[contact.company_id] if c.pk != contact.pk][:5]
        for _ in range(rng.randint(0, per_contact * 2)):
            kind = rng.choice([*KINDS, Activity.Kind.TASK])
            text = f"{rng.choice(OPENINGS)} {faker.sentence(nb_words=rng.randint(6, 16))}"
            if colleagues and rng.random() < 0.2:
                text += f" Se även @[contact:{rng.choice(colleagues).pk}]."
            items.append(
                {
                    "kind": kind,
                    "occurred_at": now
                    - datetime.timedelta(minutes=rng.randint(0, TWO_YEARS_IN_MINUTES)),
                    "due_date": timezone.localdate() + datetime.timedelta(days=rng.randint(-10, 30))
                    if kind == Activity.Kind.TASK
                    else None,
                    "contact": contact,
                    "company": contact.company,
                    "deal": deals.get(contact.company_id) if rng.random() < 0.3 else None,
                    "owner": contact.owner,
                    "body": text,
                    "participants": colleagues[:1] if kind == Activity.Kind.MEETING else [],
                }
            )
    for start in range(0, len(items), BATCH):
        actions.create_activities(
            actor, Purpose.CUSTOMER_RELATIONSHIP, items[start : start + BATCH]
        )
    return len(items)
