"""Company CSV export: the list's filters, formula-safe cells, fixed queries, audit, roles."""

import csv
import io
from urllib.parse import quote

import pytest
from django.db import connections
from django.test.utils import CaptureQueriesContext

from lethe.audit.models import Action, AuditEvent
from lethe.companies.importer import import_companies
from lethe.companies.models import Company
from lethe.core.models import Tag
from lethe.vault.policy import Actor
from tests.conftest import ALL
from tests.helpers import client_with

pytestmark = pytest.mark.django_db(databases=ALL)

EXPORT = "/api/v1/companies/export.csv"


def rows_of(response) -> list[dict]:
    assert response.status_code == 200, response.content
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    return list(csv.DictReader(io.StringIO(response.content.decode())))


def make(n: int, start: int = 0) -> None:
    partner, _ = Tag.objects.get_or_create(name="partner")
    for i in range(start, start + n):
        company = Company.objects.create(name=f"Bolag {i:03d} AB", city="Umeå")
        company.tags.add(partner)


def test_the_export_holds_every_field_and_neutralises_formulas():
    client, user = client_with("marketing", fresh=True)
    company = Company.objects.create(
        name='=HYPERLINK("http://evil.example")',
        org_number="556016-0680",
        domain="exempel.se",
        industry="+cmd",
        city="@SUM(A1)",
        size="10-49",
        owner=user,
    )
    company.tags.add(Tag.objects.create(name="partner"))
    (row,) = rows_of(client.get(EXPORT))
    assert row["name"] == '\'=HYPERLINK("http://evil.example")'
    assert (row["industry"], row["city"]) == ("'+cmd", "'@SUM(A1)")
    assert (row["org_number"], row["domain"], row["size"]) == ("556016-0680", "exempel.se", "10-49")
    assert (row["owner"], row["tags"], row["archived"]) == (user.email, "partner", "")
    event = AuditEvent.objects.get(action=Action.EXPORT, record_kind="company")
    assert event.detail == {"companies": 1, "format": "csv"} and event.actor == f"user:{user.pk}"


def test_the_export_takes_the_list_filters():
    client, user = client_with("sales", fresh=True)
    make(3)
    Company.objects.create(name="Annan AB", owner=user)
    archived = Company.objects.create(name="Arkiverat AB")
    Company.objects.filter(pk=archived.pk).update(archived_at="2026-01-01T00:00Z")
    assert [r["name"] for r in rows_of(client.get(EXPORT, {"q": "annan"}))] == ["Annan AB"]
    assert [r["name"] for r in rows_of(client.get(EXPORT, {"owner": user.pk}))] == ["Annan AB"]
    assert len(rows_of(client.get(EXPORT, {"tag": "partner"}))) == 3
    archived_rows = rows_of(client.get(EXPORT, {"archived": "true"}))
    assert [(r["name"], r["archived"]) for r in archived_rows] == [("Arkiverat AB", "yes")]
    assert client.get(EXPORT, {"owner": "me"}).status_code == 400


def test_the_export_costs_the_same_queries_for_3_or_60_companies():
    client, _ = client_with("sales", fresh=True)
    make(3)
    with CaptureQueriesContext(connections["default"]) as few:
        assert len(rows_of(client.get(EXPORT))) == 3
    make(57, start=3)
    with CaptureQueriesContext(connections["default"]) as many:
        assert len(rows_of(client.get(EXPORT))) == 60
    assert len(many.captured_queries) == len(few.captured_queries)


def test_an_export_imports_back_as_the_same_companies():
    client, user = client_with("sales", fresh=True)
    Company.objects.create(name="Exempel AB", org_number="556016-0680", owner=user)
    Company.objects.create(name="Domän AB", domain="doman.se")
    data = client.get(EXPORT).content
    report = import_companies(Actor.system("import"), data)
    assert "id" not in report.mapping and report.mapping["org_number"] == "org_number"
    assert (report.created, report.skipped, report.errors) == (0, 2, [])
    assert Company.objects.count() == 2


def test_the_companies_page_links_to_the_export_with_its_search_through_reauthentication():
    client, _ = client_with("finance")
    page = client.get("/companies/", {"q": "Exempel"}).content.decode()
    link = "/reauth/?next=" + quote(f"{EXPORT}?q=Exempel", safe="")
    assert f'href="{link}"' in page
    assert "/imports/" not in page  # finance may not import
    writer, _ = client_with("sales", fresh=True)
    assert "/imports/?kind=companies" in writer.get("/companies/").content.decode()


def test_roles_without_company_access_get_403():
    for role in ("auditor", "admin", None):
        client, _ = client_with(role, f"x-{role}", fresh=True)
        assert client.get(EXPORT).status_code == 403
