"""Duplicate warnings on create: 409 with ids and the matched field, never a value."""

import pytest

from lethe.audit.models import AuditEvent
from lethe.companies.models import Company
from lethe.contacts import duplicates
from lethe.contacts.actions import create_contact
from lethe.contacts.models import Contact
from lethe.vault.models import Subject
from lethe.vault.policy import Actor, Purpose, Role
from tests.conftest import ALL
from tests.helpers import client_with, post

pytestmark = pytest.mark.django_db(databases=ALL)

SYSTEM = Actor.system("tests")


@pytest.fixture
def person(people):
    return people(1, seed=33)[0]


def existing(person, owner=None):
    return create_contact(
        SYSTEM,
        Purpose.CUSTOMER_RELATIONSHIP,
        {k: person[k] for k in ("first_name", "last_name", "email", "phone", "identity_number")},
        {"owner": owner},
    )


@pytest.mark.parametrize("field", ["email", "phone"])
def test_a_contact_with_a_known_identifier_is_refused_with_409(person, field):
    other_owner = client_with("sales", "other")[1]
    old = existing(person, owner=other_owner)
    client, _ = client_with("sales")
    response = post(client, "/api/v1/contacts", {"last_name": "Ny", field: person[field]})
    assert response.status_code == 409, response.content
    body = response.json()
    assert body["duplicates"] == [{"id": old.pk, "matched_on": field}]
    # The other salesperson's contact is not readable: nothing of it is in the answer.
    text = response.content.decode()
    assert person["last_name"] not in text and person["email"][0] not in text
    assert Contact.objects.count() == 1 and Subject.objects.count() == 1


def test_allow_duplicate_creates_it_anyway(person):
    existing(person)
    client, _ = client_with("sales")
    response = post(
        client,
        "/api/v1/contacts",
        {"last_name": "Ny", "email": person["email"], "allow_duplicate": True},
    )
    assert response.status_code == 201, response.content
    assert Contact.objects.count() == 2


def test_the_check_is_audited_in_the_users_name(person):
    old = existing(person)
    user = Actor("user", "5", frozenset({Role.SALES}), request_id="req-1")
    found = duplicates.find(user, {"email": person["email"]}, purpose=Purpose.CUSTOMER_RELATIONSHIP)
    assert found == [duplicates.Duplicate(old.pk, "email")]
    event = AuditEvent.objects.filter(actor="system:duplicates:user:5").get()
    assert event.request_id == "req-1"
    assert duplicates.find(user, {"email": person["email"]}, exclude=old.pk) == []


def test_the_check_finds_identity_numbers_for_who_may_write_them(person):
    old = existing(person)
    importer = Actor("system", "import", frozenset({Role.SYSTEM}))
    number = {"identity_number": person["identity_number"]}
    assert duplicates.find(importer, number) == [duplicates.Duplicate(old.pk, "identity_number")]


def test_an_identifier_the_user_may_not_write_is_not_looked_up(person):
    existing(person)
    client, _ = client_with("sales")
    body = {"last_name": "Ny", "identity_number": person["identity_number"]}
    response = post(client, "/api/v1/contacts", body)
    # Sales may not record identity numbers: refused, without saying whether it is known.
    assert response.status_code == 403 and "duplicates" not in response.json()
    assert Contact.objects.count() == 1


def test_a_bad_identifier_is_a_400_naming_the_field_not_a_409(person):
    existing(person)
    client, _ = client_with("sales")
    response = post(client, "/api/v1/contacts", {"last_name": "Ny", "email": ["nope"]})
    assert response.status_code == 400 and set(response.json()["errors"]) == {"email"}


def test_a_company_with_a_known_domain_is_refused_unless_allowed():
    old = Company.objects.create(name="Exempel AB", domain="exempel.se")
    client, _ = client_with("sales")
    response = post(client, "/api/v1/companies", {"name": "Exempel 2", "domain": "www.Exempel.se"})
    assert response.status_code == 409
    assert response.json()["duplicates"] == [{"id": old.pk, "matched_on": "domain"}]
    response = post(
        client,
        "/api/v1/companies",
        {"name": "Exempel 2", "domain": "exempel.se", "allow_duplicate": True},
    )
    assert response.status_code == 201 and Company.objects.count() == 2


def test_changing_to_a_taken_org_number_is_a_409():
    taken = Company.objects.create(name="A", org_number="556016-0680")
    mine = Company.objects.create(name="B")
    client, _ = client_with("sales")
    response = client.patch(
        f"/api/v1/companies/{mine.pk}",
        {"org_number": "5560160680"},
        content_type="application/json",
    )
    assert response.status_code == 409
    assert response.json()["duplicates"] == [{"id": taken.pk, "matched_on": "org_number"}]
    mine.refresh_from_db()
    assert mine.org_number == ""
