"""Record history: who changed which field when, through the API, for every entity."""

import pytest

from lethe.companies.models import Company
from lethe.contacts.actions import create_contact
from lethe.core.models import Change
from lethe.deals.models import Stage
from lethe.vault.policy import Actor, Purpose
from tests.conftest import ALL
from tests.helpers import client_with, patch, post

pytestmark = pytest.mark.django_db(databases=ALL)


def test_company_changes_name_the_field_the_values_and_who(people):
    client, user = client_with("sales")
    company = Company.objects.create(name="Gamla AB", city="Luleå")
    patch(client, f"/api/v1/companies/{company.pk}", {"name": "Nya AB", "tags": ["vip"]})
    post(client, f"/api/v1/companies/{company.pk}/archive")
    rows = client.get(f"/api/v1/companies/{company.pk}/history").json()["results"]
    changes = {r["field"]: (r["old"], r["new"]) for r in rows}
    assert changes["name"] == ("Gamla AB", "Nya AB")
    assert changes["tags"] == ([], ["vip"])
    assert changes["archived_at"][0] is None and changes["archived_at"][1]
    assert {r["changed_by"] for r in rows} == {f"user:{user.pk}"}
    assert rows[0]["field"] == "archived_at"  # newest first


def test_a_write_that_changes_nothing_leaves_no_history():
    client, _ = client_with("sales")
    company = Company.objects.create(name="Samma AB")
    patch(client, f"/api/v1/companies/{company.pk}", {"name": "Samma AB"})
    assert not Change.objects.exists()


def test_deal_moves_and_restores_are_history():
    client, _ = client_with("sales")
    deal = post(client, "/api/v1/deals", {"title": "Avtal", "amount": "10"}).json()
    nxt = Stage.objects.get(pipeline__name="Sales", name="Needs analysis")
    patch(client, f"/api/v1/deals/{deal['id']}", {"stage": nxt.pk, "amount": "12.50"})
    post(client, f"/api/v1/deals/{deal['id']}/archive")
    assert post(client, f"/api/v1/deals/{deal['id']}/restore").json()["archived"] is False
    rows = client.get(f"/api/v1/deals/{deal['id']}/history").json()["results"]
    changes = {
        (r["field"], str(r["old"]), str(r["new"])) for r in rows if r["field"] != "archived_at"
    }
    assert ("stage", str(deal["stage"]), str(nxt.pk)) in changes
    assert ("amount", "10.00", "12.50") in changes
    assert [r["field"] for r in rows].count("archived_at") == 2


def test_contact_history_shows_old_personal_values_only_to_who_may_read_them(people):
    client, user = client_with("sales", "owner")
    person = people(1)[0]
    contact = create_contact(
        Actor.system("test"), Purpose.CUSTOMER_RELATIONSHIP, person, {}, owner=user
    )
    response = patch(
        client, f"/api/v1/contacts/{contact.pk}", {"job_title": "VD", "stage": "customer"}
    )
    assert response.status_code == 200, response.content
    rows = client.get(f"/api/v1/contacts/{contact.pk}/history").json()["results"]
    by_field = {r["field"]: r for r in rows}
    assert by_field["job_title"]["personal"] is True
    assert by_field["job_title"]["old"] == person["job_title"]
    assert (by_field["stage"]["old"], by_field["stage"]["new"]) == ("lead", "customer")
    other, _ = client_with("sales", "other")
    rows = other.get(f"/api/v1/contacts/{contact.pk}/history").json()["results"]
    masked = {r["field"]: r["old"] for r in rows if r["personal"]}
    assert masked["job_title"] == {"masked": True, "category": "user.job_title"}
    assert other.get(f"/api/v1/contacts/{contact.pk}/history?purpose=x").status_code == 400
