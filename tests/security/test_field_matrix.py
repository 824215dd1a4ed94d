"""Role x field: for every personal field of a contact, which role reads it through the
API and the contact page, and which sees the category with a lock. Written out from
SPEC's role table, independently of lethe.vault.policy, so that a change to either
shows here; a personal field added to the vault without a row here fails the suite."""

import pytest

from lethe import synthetic
from lethe.contacts.actions import create_contact
from lethe.contacts.models import PERSONAL_FIELDS
from lethe.vault import fields
from lethe.vault.policy import Actor, Purpose
from tests.conftest import ALL
from tests.helpers import client_with

pytestmark = pytest.mark.django_db(databases=ALL)

NUMBER = synthetic.identity_numbers()[0]  # a Skatteverket test number
VALUES = {
    "first_name": "Fältfrida",
    "last_name": "Matrisson",
    "email": ["falt.frida@example.org"],
    "phone": ["+46701740642"],
    "address": {"street": "Fältvägen 3", "postal_code": "90325", "city": "Umeå"},
    "identity_number": NUMBER,
    "birth_date": f"{NUMBER[:4]}-{NUMBER[4:6]}-{int(NUMBER[6:8]) % 60:02d}",
    "job_title": "Fältchef",
    "notes": "Föredrar mejl framför telefon.",
}
# What each role reads of a contact it owns, for its own default purpose (no consent
# registered, no case open, no legal hold).
READS = {
    "sales": {"first_name", "last_name", "email", "phone", "job_title", "notes"},
    "support": {"first_name", "last_name", "email", "phone", "notes"},
    "marketing": set(),  # only with a marketing consent
    "finance": set(),  # only data under a legal hold
    "dpo": set(),  # only inside an open case
}
NOT_READERS = ["auditor", "admin", None]  # None: signed in without a role


def test_every_personal_field_of_a_contact_has_a_row_here():
    assert set(PERSONAL_FIELDS) == set(VALUES)
    assert {f for f in fields.FIELDS if not f.startswith("cf.")} == set(VALUES)


@pytest.fixture
def contact_of():
    def make(owner):
        return create_contact(
            Actor.system("tests"), Purpose.CUSTOMER_RELATIONSHIP, VALUES, {"owner": owner}
        )

    return make


@pytest.mark.parametrize("role", sorted(READS))
def test_each_role_reads_exactly_its_fields_of_a_contact_it_owns(role, contact_of):
    client, user = client_with(role)
    contact = contact_of(user)
    shown = client.get(f"/api/v1/contacts/{contact.pk}").json()["fields"]
    for name in PERSONAL_FIELDS:
        if name in READS[role]:
            assert shown[name] == fields.get(name).cleaned(VALUES[name]), (role, name)
        else:
            assert shown[name] == {"masked": True, "category": fields.get(name).category}, (
                role,
                name,
            )
    page = client.get(f"/contacts/{contact.pk}/").content.decode()
    for name in PERSONAL_FIELDS:
        text = VALUES[name] if isinstance(VALUES[name], str) else None
        if text and name not in READS[role] and name != "birth_date":
            assert text not in page, (role, name)


@pytest.mark.parametrize("role", ["sales", "support"])
def test_nobody_reads_the_fields_of_a_contact_owned_outside_their_team(role, contact_of):
    client, _ = client_with(role, f"{role}-reader")
    _, owner = client_with("sales", "someone-else")
    contact = contact_of(owner)
    shown = client.get(f"/api/v1/contacts/{contact.pk}").json()["fields"]
    assert all(isinstance(v, dict) and v.get("masked") for v in shown.values()), shown


@pytest.mark.parametrize("role", NOT_READERS)
def test_roles_that_read_no_contacts_are_refused(role, contact_of):
    client, user = client_with(role, f"not-reader-{role}")
    contact = contact_of(user)
    assert client.get(f"/api/v1/contacts/{contact.pk}").status_code == 403
    assert client.get(f"/contacts/{contact.pk}/").status_code == 403
