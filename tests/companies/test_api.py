"""Companies through the API: validation naming the field, search, pages, audit, roles."""

import json

import pytest
from django.db import connections
from django.test import Client
from django.test.utils import CaptureQueriesContext

from lethe.audit.models import Action, AuditEvent
from lethe.companies import orgnr
from lethe.companies.models import Company
from tests.conftest import ALL
from tests.helpers import client_with, patch, post

pytestmark = pytest.mark.django_db(databases=ALL)

# Organisation numbers with correct check digits (third digit >= 2: legal entities).
VALID = ["556016-0680", "556036-0793", "202100-6255"]


@pytest.fixture
def sales():
    return client_with("sales")


def test_the_org_numbers_used_here_are_valid():
    assert [orgnr.normalise(n.replace("-", "")) for n in VALID] == VALID


def test_sales_creates_a_company_and_owns_it(sales):
    client, user = sales
    response = post(
        client,
        "/api/v1/companies",
        {
            "name": " Exempel AB ",
            "org_number": "5560160680",
            "domain": "https://www.Example.com/",
            "city": "Göteborg",
            "size": "10-49",
            "tags": ["partner", "västkust"],
        },
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["name"], body["org_number"], body["domain"]) == (
        "Exempel AB",
        "556016-0680",
        "example.com",
    )
    assert body["owner"] == user.pk and sorted(body["tags"]) == ["partner", "västkust"]
    event = AuditEvent.objects.get(action=Action.CREATE, record_kind="company")
    assert event.record_id == str(body["id"]) and event.actor == f"user:{user.pk}"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"org_number": "556016-0680"}, "name"),
        ({"name": "   "}, "name"),
        ({"name": "x" * 201}, "name"),
        ({"name": "A", "org_number": "556016-0681"}, "org_number"),
        ({"name": "A", "org_number": "19900101-1234"}, "org_number"),
        ({"name": "A", "org_number": "811218-9876"}, "org_number"),
        ({"name": "A", "domain": "not a domain"}, "domain"),
        ({"name": "A", "size": "huge"}, "size"),
        ({"name": "A", "country": "Sweden"}, "country"),
        ({"name": "A", "owner": 999999}, "owner"),
        ({"name": "A", "tags": ["<script>"]}, "tags"),
    ],
)
def test_bad_input_names_the_field_and_writes_nothing(sales, body, field):
    client, _ = sales
    response = post(client, "/api/v1/companies", body)
    assert response.status_code == 400
    assert set(response.json()["errors"]) == {field}
    assert not Company.objects.exists()
    assert not AuditEvent.objects.filter(record_kind="company").exists()


def test_a_wrongly_typed_value_is_a_4xx_naming_the_field(sales):
    client, _ = sales
    response = post(client, "/api/v1/companies", {"name": "A", "owner": "abc"})
    assert 400 <= response.status_code < 500
    assert "owner" in json.dumps(response.json())
    assert not Company.objects.exists()


def test_a_second_company_with_the_same_org_number_is_refused(sales):
    client, _ = sales
    first = post(client, "/api/v1/companies", {"name": "A", "org_number": VALID[0]})
    assert first.status_code == 201
    response = post(client, "/api/v1/companies", {"name": "B", "org_number": VALID[0]})
    assert response.status_code == 409
    assert response.json()["duplicates"] == [{"id": first.json()["id"], "matched_on": "org_number"}]
    assert Company.objects.count() == 1


def test_update_changes_only_the_given_fields_and_is_audited(sales):
    client, _ = sales
    company = post(client, "/api/v1/companies", {"name": "A", "city": "Lund"}).json()
    response = patch(client, f"/api/v1/companies/{company['id']}", {"industry": "Software"})
    assert response.status_code == 200
    assert (response.json()["city"], response.json()["industry"]) == ("Lund", "Software")
    event = AuditEvent.objects.get(action=Action.UPDATE, record_kind="company")
    assert event.detail == {"fields": ["industry"]}
    bad = patch(client, f"/api/v1/companies/{company['id']}", {"org_number": "123"})
    assert bad.status_code == 400 and Company.objects.get().org_number == ""


def test_archive_is_reversible_and_hides_the_company_from_the_list(sales):
    client, _ = sales
    company = post(client, "/api/v1/companies", {"name": "A"}).json()
    assert client.post(f"/api/v1/companies/{company['id']}/archive").json()["archived"]
    assert client.get("/api/v1/companies").json()["count"] == 0
    assert client.get("/api/v1/companies", {"archived": True}).json()["count"] == 1
    assert not client.post(f"/api/v1/companies/{company['id']}/restore").json()["archived"]
    assert AuditEvent.objects.filter(action=Action.ARCHIVE, record_kind="company").count() == 1


def test_delete_removes_the_company_and_unknown_ids_are_404(sales):
    client, _ = sales
    company = post(client, "/api/v1/companies", {"name": "A"}).json()
    assert client.delete(f"/api/v1/companies/{company['id']}").status_code == 204
    assert client.get(f"/api/v1/companies/{company['id']}").status_code == 404
    assert patch(client, "/api/v1/companies/999999", {"name": "B"}).status_code == 404
    assert AuditEvent.objects.filter(action=Action.DELETE, record_kind="company").exists()


def test_search_by_name_and_org_number_and_filter_by_tag(sales):
    client, _ = sales
    post(
        client,
        "/api/v1/companies",
        {"name": "Volvo Cars", "org_number": VALID[1], "tags": ["auto"]},
    )
    post(client, "/api/v1/companies", {"name": "Exempel AB", "org_number": VALID[0]})
    names = lambda **q: [c["name"] for c in client.get("/api/v1/companies", q).json()["results"]]  # noqa: E731
    assert names(q="volvo") == ["Volvo Cars"]
    assert names(q="556016") == ["Exempel AB"]
    assert names(tag="auto") == ["Volvo Cars"]
    assert names() == ["Exempel AB", "Volvo Cars"]


def test_the_list_costs_the_same_queries_for_3_or_60_companies(sales):
    client, _ = sales
    for i in range(3):
        post(client, "/api/v1/companies", {"name": f"C{i}", "tags": ["a", "b"]})
    with CaptureQueriesContext(connections["default"]) as few:
        client.get("/api/v1/companies")
    for i in range(3, 60):
        post(client, "/api/v1/companies", {"name": f"C{i}", "tags": ["a", "b"]})
    with CaptureQueriesContext(connections["default"]) as many:
        assert len(client.get("/api/v1/companies").json()["results"]) == 50
    assert len(many.captured_queries) == len(few.captured_queries)


@pytest.mark.parametrize("role", ["marketing", "finance", "dpo"])
def test_other_crm_roles_read_companies_but_do_not_change_them(sales, role):
    company = post(sales[0], "/api/v1/companies", {"name": "A"}).json()
    client, _ = client_with(role)
    assert client.get(f"/api/v1/companies/{company['id']}").status_code == 200
    assert post(client, "/api/v1/companies", {"name": "B"}).status_code == 403
    assert patch(client, f"/api/v1/companies/{company['id']}", {"name": "B"}).status_code == 403
    assert client.delete(f"/api/v1/companies/{company['id']}").status_code == 403


@pytest.mark.parametrize("role", ["admin", "auditor", None])
def test_roles_outside_the_crm_get_403_and_strangers_401(role):
    client, _ = client_with(role)
    assert client.get("/api/v1/companies").status_code == 403
    assert Client().get("/api/v1/companies").status_code == 401
