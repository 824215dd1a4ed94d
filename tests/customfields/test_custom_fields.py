"""Custom fields: admins define them, every entity carries values, personal ones in the vault."""

import pytest
from django.db import connections
from django.test.utils import CaptureQueriesContext

from lethe.audit.models import Action, AuditEvent
from lethe.companies.models import Company
from lethe.core.models import Change
from lethe.customfields.models import CustomField, CustomValue
from lethe.vault.models import PersonalValue
from tests.conftest import ALL
from tests.helpers import client_with, patch, post

pytestmark = pytest.mark.django_db(databases=ALL)

URL = "/api/v1/custom-fields"


@pytest.fixture
def admin():
    return client_with("admin")[0]


@pytest.fixture
def sales():
    return client_with("sales")


def define(admin, **body):
    response = post(admin, URL, body)
    assert response.status_code == 201, response.content
    return response.json()


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"key": "tier", "label": "Tier", "type": "text"}, "entity"),
        ({"entity": "company", "key": "Tier!", "label": "Tier", "type": "text"}, "key"),
        ({"entity": "company", "key": "tier", "label": "x" * 101, "type": "text"}, "label"),
        ({"entity": "company", "key": "tier", "label": "Tier", "type": "colour"}, "type"),
        ({"entity": "company", "key": "tier", "label": "Tier", "type": "choice"}, "choices"),
        (
            {"entity": "company", "key": "tier", "label": "T", "type": "text", "choices": ["a"]},
            "choices",
        ),
        (
            {"entity": "company", "key": "boss", "label": "B", "type": "text", "personal": True},
            "personal",
        ),
        (
            {"entity": "contact", "key": "pet", "label": "Pet", "type": "text", "personal": True},
            "category",
        ),
        (
            {"entity": "deal", "key": "x", "label": "X", "type": "text", "category": "user.name"},
            "category",
        ),
    ],
)
def test_bad_definitions_name_the_field_and_create_nothing(admin, body, field):
    response = post(admin, URL, body)
    assert response.status_code == 400
    assert field in response.json()["errors"]
    assert not CustomField.objects.exists()


def test_keys_are_unique_per_entity_and_only_admins_define(admin, sales):
    define(admin, entity="company", key="tier", label="Tier", type="text")
    define(admin, entity="deal", key="tier", label="Tier", type="text")
    again = post(admin, URL, {"entity": "company", "key": "tier", "label": "T", "type": "text"})
    assert again.status_code == 400 and "__all__" in again.json()["errors"]
    client, _ = sales
    assert (
        post(client, URL, {"entity": "deal", "key": "y", "label": "Y", "type": "text"}).status_code
        == 403
    )
    assert [f["key"] for f in client.get(URL + "?entity=company").json()] == ["tier"]
    assert AuditEvent.objects.filter(record_kind="custom_field", action=Action.CREATE).count() == 2


def test_company_values_are_typed_listed_and_in_the_history(admin, sales):
    define(admin, entity="company", key="employees", label="Employees", type="number")
    define(admin, entity="company", key="tier", label="Tier", type="choice", choices=["A", "B"])
    define(admin, entity="company", key="signed", label="Signed", type="date")
    client, _ = sales
    created = post(
        client,
        "/api/v1/companies",
        {"name": "Fält AB", "custom": {"employees": "1 200", "tier": "A", "signed": "2026-01-31"}},
    )
    assert created.status_code == 201, created.content
    company = created.json()
    assert company["custom"] == {"employees": 1200, "tier": "A", "signed": "2026-01-31"}
    changed = patch(client, f"/api/v1/companies/{company['id']}", {"custom": {"tier": "B"}})
    assert changed.json()["custom"]["tier"] == "B"
    change = Change.objects.get(record_kind="company", field="custom.tier")
    assert (change.old, change.new) == ("A", "B")
    removed = patch(client, f"/api/v1/companies/{company['id']}", {"custom": {"signed": None}})
    assert "signed" not in removed.json()["custom"]
    listed = client.get("/api/v1/companies").json()["results"]
    assert listed[0]["custom"] == {"employees": 1200, "tier": "B"}


@pytest.mark.parametrize(
    "custom",
    [
        {"tier": "C"},
        {"employees": "många"},
        {"employees": True},
        {"signed": "31/01/2026"},
        {"unknown": 1},
        {"flag": "maybe"},
        {"note": "x" * 1001},
    ],
)
def test_bad_values_name_the_custom_field_and_write_nothing(admin, sales, custom):
    define(admin, entity="company", key="employees", label="Employees", type="number")
    define(admin, entity="company", key="tier", label="Tier", type="choice", choices=["A", "B"])
    define(admin, entity="company", key="signed", label="Signed", type="date")
    define(admin, entity="company", key="flag", label="Flag", type="boolean")
    define(admin, entity="company", key="note", label="Note", type="text")
    client, _ = sales
    response = post(client, "/api/v1/companies", {"name": "Fel AB", "custom": custom})
    assert response.status_code == 400
    assert list(response.json()["errors"]) == [f"custom.{next(iter(custom))}"]
    assert not Company.objects.exists() and not CustomValue.objects.exists()


def test_deal_values_round_trip(admin, sales):
    define(admin, entity="deal", key="won_via", label="Won via", type="text")
    client, _ = sales
    deal = post(client, "/api/v1/deals", {"title": "Avtal", "custom": {"won_via": "mässa"}})
    assert deal.status_code == 201, deal.content
    assert client.get(f"/api/v1/deals/{deal.json()['id']}").json()["custom"] == {"won_via": "mässa"}


def test_a_personal_contact_field_lives_in_the_vault_and_is_masked_for_others(admin, sales):
    define(
        admin,
        entity="contact",
        key="allergies",
        label="Allergies",
        type="text",
        personal=True,
        category="user.content",
        purpose="customer_relationship",
    )
    client, _ = sales
    created = post(
        client, "/api/v1/contacts", {"last_name": "Fältsson", "custom": {"allergies": "nötter"}}
    )
    assert created.status_code == 201, created.content
    contact = created.json()
    assert contact["custom"] == {"allergies": "nötter"}
    stored = PersonalValue.objects.get(field="cf.allergies")
    assert "nötter".encode() not in bytes(stored.ciphertext)
    assert not CustomValue.objects.exists()
    other, _ = client_with("sales", "other")
    seen = other.get(f"/api/v1/contacts/{contact['id']}").json()["custom"]
    assert seen == {"allergies": {"masked": True, "category": "user.content"}}
    bad = patch(client, f"/api/v1/contacts/{contact['id']}", {"custom": {"allergies": 12}})
    assert bad.status_code == 400 and "custom.allergies" in bad.json()["errors"]


def test_removing_a_personal_field_deletes_its_values_everywhere(admin, sales):
    field = define(
        admin,
        entity="contact",
        key="shoe",
        label="Shoe size",
        type="number",
        personal=True,
        category="user.content",
        purpose="customer_relationship",
    )
    client, _ = sales
    contact = post(client, "/api/v1/contacts", {"last_name": "Skosson", "custom": {"shoe": 44}})
    patch(client, f"/api/v1/contacts/{contact.json()['id']}", {"custom": {"shoe": 45}})
    assert admin.delete(f"{URL}/{field['id']}").status_code == 204
    assert not PersonalValue.objects.filter(field="cf.shoe").exists()
    assert not CustomField.objects.exists()
    event = AuditEvent.objects.filter(action=Action.DELETE, detail__field="cf.shoe").get()
    assert event.detail["subjects"] == 1


def test_archived_fields_are_hidden_and_refused(admin, sales):
    field = define(admin, entity="company", key="tier", label="Tier", type="text")
    client, _ = sales
    company = post(client, "/api/v1/companies", {"name": "Arkiv AB", "custom": {"tier": "A"}})
    post(admin, f"{URL}/{field['id']}/archive")
    assert client.get(f"/api/v1/companies/{company.json()['id']}").json()["custom"] == {}
    refused = patch(client, f"/api/v1/companies/{company.json()['id']}", {"custom": {"tier": "B"}})
    assert refused.status_code == 400
    post(admin, f"{URL}/{field['id']}/restore")
    assert client.get(f"/api/v1/companies/{company.json()['id']}").json()["custom"] == {"tier": "A"}


def test_custom_values_cost_one_query_per_list_page(admin, sales):
    define(admin, entity="company", key="tier", label="Tier", type="text")
    client, _ = sales

    def list_queries():
        with CaptureQueriesContext(connections["default"]) as queries:
            assert client.get("/api/v1/companies").status_code == 200
        return len(queries)

    post(client, "/api/v1/companies", {"name": "Ett AB", "custom": {"tier": "A"}})
    few = list_queries()
    for n in range(15):
        post(client, "/api/v1/companies", {"name": f"Bolag {n} AB", "custom": {"tier": "B"}})
    assert list_queries() == few


def test_the_settings_page_adds_fields_shows_errors_inline_and_removes_with_confirmation(admin):
    page = admin.post(
        "/settings/custom-fields/",
        {"entity": "company", "key": "Bad Key", "label": "Tier", "type": "text"},
    )
    assert page.status_code == 400
    assert b"use lower-case letters" in page.content
    assert not CustomField.objects.exists()
    admin.post(
        "/settings/custom-fields/",
        {"entity": "company", "key": "tier", "label": "<script>x</script>", "type": "text"},
    )
    field = CustomField.objects.get()
    page = admin.get("/settings/custom-fields/")
    assert b"&lt;script&gt;x&lt;/script&gt;" in page.content and b"<script>x" not in page.content
    admin.post(f"/settings/custom-fields/{field.pk}/delete/", {"confirm": "wrong"})
    assert CustomField.objects.exists()
    admin.post(f"/settings/custom-fields/{field.pk}/delete/", {"confirm": "tier"})
    assert not CustomField.objects.exists()


def test_record_pages_show_custom_values_masked_as_the_role_needs(admin, sales):
    define(
        admin,
        entity="contact",
        key="allergies",
        label="Allergies",
        type="text",
        personal=True,
        category="user.content",
        purpose="customer_relationship",
    )
    define(admin, entity="company", key="tier", label="Tier", type="text")
    client, _ = sales
    company = post(client, "/api/v1/companies", {"name": "Sida AB", "custom": {"tier": "Guld"}})
    contact = post(
        client, "/api/v1/contacts", {"last_name": "Sidasson", "custom": {"allergies": "pollen"}}
    )
    assert b"Guld" in client.get(f"/companies/{company.json()['id']}/").content
    assert b"pollen" in client.get(f"/contacts/{contact.json()['id']}/").content
    other, _ = client_with("sales", "other")
    page = other.get(f"/contacts/{contact.json()['id']}/").content
    assert b"pollen" not in page and b"user.content" in page
