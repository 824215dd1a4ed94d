"""Contacts through the API: the vault behind them, ownership, masking, search, validation."""

import csv
import io

import pytest
from django.db import connections
from django.test.utils import CaptureQueriesContext

from lethe.audit.models import Action, AuditEvent
from lethe.companies.models import Company
from lethe.contacts.models import Contact
from lethe.vault.models import PersonalValue, Subject
from tests.conftest import ALL
from tests.helpers import client_with, patch, post, reauthenticate

pytestmark = pytest.mark.django_db(databases=ALL)


@pytest.fixture
def person(people):
    p = people(1, seed=21)[0]
    return {k: p[k] for k in ("first_name", "last_name", "email", "phone", "job_title")}


@pytest.fixture
def sales():
    return client_with("sales")


def test_sales_creates_a_contact_whose_data_goes_to_the_vault(sales, person):
    client, user = sales
    company = Company.objects.create(name="Exempel AB")
    response = post(
        client,
        "/api/v1/contacts",
        {**person, "company": company.pk, "stage": "prospect", "tags": ["fair"]},
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["fields"]["last_name"] == person["last_name"]
    assert body["fields"]["phone"] == person["phone"]
    assert body["owner"] == user.pk and body["company"] == company.pk
    assert body["fields"]["identity_number"] == {"masked": True, "category": "user.government_id"}
    contact = Contact.objects.get()
    assert str(contact.subject_id) == body["subject"]
    assert PersonalValue.objects.filter(subject=contact.subject).count() == 5
    assert AuditEvent.objects.filter(action=Action.CREATE, record_kind="contact").exists()


def test_sales_may_not_record_an_identity_number(sales, person, people):
    client, _ = sales
    response = post(
        client, "/api/v1/contacts", {**person, "identity_number": people(1)[0]["identity_number"]}
    )
    assert response.status_code == 403
    assert not Contact.objects.exists() and not Subject.objects.exists()


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"last_name": "Ek", "email": ["not-an-address"]}, "email"),
        ({"last_name": "Ek", "phone": ["123"]}, "phone"),
        ({"last_name": "x" * 201}, "last_name"),
        ({"last_name": 42}, "last_name"),
        ({"last_name": "Ek", "stage": "friend"}, "stage"),
        ({"last_name": "Ek", "company": 999999}, "company"),
        ({"last_name": "Ek", "owner": 999999}, "owner"),
        ({"last_name": "Ek", "source": "telepathy"}, "source"),
        ({"last_name": "Ek", "obtained_at": "2999-01-01"}, "obtained_at"),
        ({"stage": "lead"}, "last_name"),
    ],
)
def test_bad_input_names_the_field_and_writes_nothing(sales, body, field):
    client, _ = sales
    response = post(client, "/api/v1/contacts", body)
    assert response.status_code == 400, response.content
    assert set(response.json()["errors"]) == {field}
    assert not Contact.objects.exists() and not Subject.objects.exists()
    assert not AuditEvent.objects.filter(action=Action.CREATE).exists()


def test_another_salesperson_sees_the_contact_masked(sales, person):
    client, _ = sales
    created = post(client, "/api/v1/contacts", person).json()
    other, _ = client_with("sales", "other-sales")
    body = other.get(f"/api/v1/contacts/{created['id']}").json()
    assert body["fields"]["last_name"] == {"masked": True, "category": "user.name"}
    assert body["stage"] == "lead"  # business data is not masked
    event = AuditEvent.objects.filter(action=Action.READ).order_by("-seq").first()
    assert event.outcome == "denied" and event.subjects == [created["subject"]]


def test_the_owner_updates_personal_and_business_fields(sales, person):
    client, _ = sales
    created = post(client, "/api/v1/contacts", person).json()
    first, second = Company.objects.create(name="Första AB"), Company.objects.create(name="B AB")
    patch(client, f"/api/v1/contacts/{created['id']}", {"company": first.pk})
    response = patch(
        client,
        f"/api/v1/contacts/{created['id']}",
        {"job_title": "CTO", "company": second.pk, "email": None},
    )
    assert response.status_code == 200
    body = response.json()
    assert body["fields"]["job_title"] == "CTO" and "email" not in body["fields"]
    assert body["company"] == second.pk
    assert list(Contact.objects.get().past_companies.all()) == [first]


def test_an_update_with_a_bad_value_changes_nothing(sales, person):
    client, _ = sales
    created = post(client, "/api/v1/contacts", person).json()
    response = patch(
        client, f"/api/v1/contacts/{created['id']}", {"stage": "customer", "phone": ["nope"]}
    )
    assert response.status_code == 400 and set(response.json()["errors"]) == {"phone"}
    body = client.get(f"/api/v1/contacts/{created['id']}").json()
    assert body["stage"] == "lead" and body["fields"]["phone"] == person["phone"]


def test_search_finds_own_contacts_by_name_prefix_email_and_phone(sales, person):
    client, _ = sales
    created = post(client, "/api/v1/contacts", person).json()
    post(client, "/api/v1/contacts", {"first_name": "Zelda", "last_name": "Zetterlund"})
    queries = [
        person["last_name"][:3].upper(),
        person["email"][0].upper(),
        "0" + person["phone"][0].removeprefix("+46"),
    ]
    for q in queries:
        found = client.get("/api/v1/contacts", {"q": q}).json()["results"]
        assert [c["id"] for c in found] == [created["id"]], q


def test_search_does_not_reveal_other_peoples_contacts(sales, person):
    client, _ = sales
    post(client, "/api/v1/contacts", person)
    other, _ = client_with("sales", "other-sales")
    assert other.get("/api/v1/contacts", {"q": person["email"][0]}).json()["count"] == 0


def test_the_list_costs_the_same_queries_for_3_or_60_contacts(sales, people):
    client, _ = sales
    persons = people(60, seed=5)
    for p in persons[:3]:
        post(
            client, "/api/v1/contacts", {"first_name": p["first_name"], "last_name": p["last_name"]}
        )
    with CaptureQueriesContext(connections["default"]) as few:
        client.get("/api/v1/contacts")
    for p in persons[3:]:
        post(
            client, "/api/v1/contacts", {"first_name": p["first_name"], "last_name": p["last_name"]}
        )
    with CaptureQueriesContext(connections["default"]) as many:
        assert len(client.get("/api/v1/contacts").json()["results"]) == 50
    assert len(many.captured_queries) == len(few.captured_queries)


def test_archive_hides_and_restore_brings_back(sales, person):
    client, _ = sales
    created = post(client, "/api/v1/contacts", person).json()
    assert post(client, f"/api/v1/contacts/{created['id']}/archive").json()["archived"]
    assert client.get("/api/v1/contacts").json()["count"] == 0
    assert not post(client, f"/api/v1/contacts/{created['id']}/restore").json()["archived"]


def test_an_unknown_purpose_is_a_400_naming_it(sales):
    client, _ = sales
    response = client.get("/api/v1/contacts", {"purpose": "curiosity"})
    assert response.status_code == 400 and set(response.json()["errors"]) == {"purpose"}


@pytest.mark.parametrize("role", ["admin", "auditor"])
def test_roles_outside_the_crm_are_refused(role):
    client, _ = client_with(role)
    assert client.get("/api/v1/contacts").status_code == 403


def test_the_csv_export_holds_what_the_role_may_read_and_is_audited(sales, person):
    client, _ = sales
    reauthenticate(client)
    post(client, "/api/v1/contacts", {**person, "job_title": "=cmd|' /C calc'!A0"})
    other, _ = client_with("sales", "other-sales")
    post(other, "/api/v1/contacts", {"first_name": "Hidden", "last_name": "Person"})
    response = client.get("/api/v1/contacts/export.csv")
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    mine = next(r for r in rows if r["last_name"] == person["last_name"])
    theirs = next(r for r in rows if r["last_name"] != person["last_name"])
    assert mine["email"] == person["email"][0]
    assert mine["identity_number"] == "[masked: user.government_id]"
    assert mine["job_title"].startswith("'=")  # a spreadsheet keeps it text
    assert theirs["last_name"] == "[masked: user.name]"
    event = AuditEvent.objects.filter(action=Action.EXPORT, record_kind="contact").get()
    assert event.detail == {"contacts": 2, "format": "csv"}


def test_the_export_costs_the_same_queries_for_3_or_60_contacts(sales, people):
    client, _ = sales
    reauthenticate(client)
    persons = people(60, seed=6)
    for p in persons[:3]:
        post(client, "/api/v1/contacts", {"last_name": p["last_name"]})
    with CaptureQueriesContext(connections["default"]) as few:
        client.get("/api/v1/contacts/export.csv")
    for p in persons[3:]:
        post(client, "/api/v1/contacts", {"last_name": p["last_name"]})
    with CaptureQueriesContext(connections["default"]) as many:
        client.get("/api/v1/contacts/export.csv")
    assert len(many.captured_queries) == len(few.captured_queries)
