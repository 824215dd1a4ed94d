"""Fixtures of the consent tests: contacts made from synthetic people, and their owner."""

import pytest

from lethe.accounts.models import RoleGrant, User
from lethe.consent import notices
from lethe.contacts.actions import create_contact
from lethe.vault.policy import Actor, Purpose
from tests.helpers import PASSWORD

SYSTEM = Actor.system("tests")
CR = Purpose.CUSTOMER_RELATIONSHIP
DM = Purpose.DIRECT_MARKETING


@pytest.fixture
def make_contact(people):
    """Return a function making a contact of a synthetic person (owner optional)."""
    made = iter(people(40, seed=71))

    def make(owner=None, **values):
        person = next(made)
        personal = {
            "first_name": person["first_name"],
            "last_name": person["last_name"],
            "email": person["email"],
            **values,
        }
        return create_contact(SYSTEM, CR, personal, {"owner": owner})

    return make


@pytest.fixture
def notice():
    """The published direct-marketing notice (the default text)."""
    return notices.current(DM).notice


def user_with(role: str, name: str) -> User:
    user = User.objects.create_user(f"{name}@lethe.example", PASSWORD)
    RoleGrant.objects.create(user=user, role=role)
    return user
