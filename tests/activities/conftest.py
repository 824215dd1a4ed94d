"""Fixtures for activity tests: a salesperson's contacts, a company and a deal."""

import pytest

from lethe.companies.models import Company
from lethe.contacts.actions import create_contact
from lethe.deals.models import Deal, Stage
from lethe.vault.policy import Actor, Purpose

SYSTEM = Actor.system("tests")


def contact_of(owner, **personal):
    """Create a contact (synthetic-looking name given by the test) owned by `owner`."""
    company = personal.pop("company", None)
    return create_contact(
        SYSTEM,
        Purpose.CUSTOMER_RELATIONSHIP,
        personal or {"last_name": "Testsson"},
        {"owner": owner, "company": company},
    )


@pytest.fixture
def company():
    return Company.objects.create(name="Aktivitet AB")


@pytest.fixture
def deal(company):
    stage = Stage.objects.order_by("pipeline", "position").first()
    return Deal.objects.create(
        title="Licenser", company=company, pipeline=stage.pipeline, stage=stage, amount=1000
    )
