"""Company pages: list and search, the company page with contacts masked as the role needs."""

import pytest
from django.db import connections
from django.test.utils import CaptureQueriesContext

from lethe.companies.models import Company
from lethe.contacts.actions import create_contact
from lethe.vault.policy import Actor, Purpose
from tests.conftest import ALL
from tests.helpers import client_with as signed_in

pytestmark = pytest.mark.django_db(databases=ALL)


def test_the_list_searches_names_and_org_numbers():
    client, _ = signed_in("sales")
    Company.objects.create(name="Volvo Cars", org_number="556036-0793")
    Company.objects.create(name="Exempel AB")
    html = client.get("/companies/", {"q": "556036"}).content.decode()
    assert "Volvo Cars" in html and "Exempel AB" not in html


def test_the_company_page_shows_its_contacts_as_the_role_may_read_them():
    owner_client, owner = signed_in("sales")
    company = Company.objects.create(name="Kund AB")
    create_contact(
        Actor.system("t"),
        Purpose.CUSTOMER_RELATIONSHIP,
        {"first_name": "Karin", "last_name": "Kund"},
        {"owner": owner, "company": company},
    )
    assert "Kund" in owner_client.get(f"/companies/{company.pk}/").content.decode()
    other, _ = signed_in("sales", "other")
    html = other.get(f"/companies/{company.pk}/").content.decode()
    assert "Karin" not in html and "\N{LOCK} user.name" in html
    assert other.get("/companies/999999/").status_code == 404


def test_the_list_filters_by_owner_tag_and_archived_sorts_and_counts_queries():
    client, user = signed_in("sales")
    mine = Company.objects.create(name="Mitt AB", city="Umeå", owner=user)
    Company.objects.create(name="Annat AB", city="Arvika")
    mine.tags.create(name="partner")
    Company.objects.create(name="Gammalt AB", archived_at="2026-01-01T00:00:00Z")

    def shown(**query):
        response = client.get("/companies/", query)
        assert response.status_code == 200
        return [c.name for c in response.context["page"]]

    assert shown(owner=user.pk) == ["Mitt AB"]
    assert shown(tag="partner") == ["Mitt AB"]
    assert shown(archived="1") == ["Gammalt AB"]
    assert shown(sort="city") == ["Annat AB", "Mitt AB"]
    for bad in ({"sort": "size"}, {"owner": "x"}):
        response = client.get("/companies/", bad)
        assert response.status_code == 400 and next(iter(bad)).encode() in response.content
    with CaptureQueriesContext(connections["default"]) as few:
        assert client.get("/companies/").status_code == 200
    for n in range(30):
        Company.objects.create(name=f"Bolag {n} AB", owner=user).tags.create(name=f"t{n}")
    with CaptureQueriesContext(connections["default"]) as many:
        assert client.get("/companies/").status_code == 200
    assert len(many.captured_queries) == len(few.captured_queries)
