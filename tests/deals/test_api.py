"""Deals through the API: default pipeline, stages, winning and losing, contacts, roles."""

import pytest
from django.db import connections
from django.test.utils import CaptureQueriesContext

from lethe.audit.models import Action, AuditEvent
from lethe.companies.models import Company
from lethe.contacts.actions import create_contact
from lethe.deals.models import Deal, Pipeline, Stage
from lethe.vault.policy import Actor, Purpose
from tests.conftest import ALL
from tests.helpers import client_with, patch, post

pytestmark = pytest.mark.django_db(databases=ALL)


@pytest.fixture
def sales():
    return client_with("sales")


def stage(name: str) -> Stage:
    return Stage.objects.get(pipeline__name="Sales", name=name)


def test_the_default_pipeline_has_open_won_and_lost_stages(sales):
    client, _ = sales
    pipelines = client.get("/api/v1/deals/pipelines").json()
    assert [p["name"] for p in pipelines] == ["Sales"]
    kinds = [(s["name"], s["kind"]) for s in pipelines[0]["stages"]]
    assert kinds[0] == ("Qualification", "open") and kinds[-2:] == [
        ("Won", "won"),
        ("Lost", "lost"),
    ]


def test_a_new_deal_starts_in_the_first_stage_with_its_probability(sales):
    client, user = sales
    company = Company.objects.create(name="Kund AB")
    response = post(
        client,
        "/api/v1/deals",
        {"title": "Licenser 2027", "company": company.pk, "amount": "125000.50"},
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["stage_name"], body["probability"], body["currency"]) == (
        "Qualification",
        10,
        "SEK",
    )
    assert body["owner"] == user.pk and body["status"] == "open"
    assert AuditEvent.objects.filter(action=Action.CREATE, record_kind="deal").exists()


def test_moving_to_won_closes_the_deal_and_back_reopens_it(sales):
    client, _ = sales
    deal = post(client, "/api/v1/deals", {"title": "A"}).json()
    won = patch(client, f"/api/v1/deals/{deal['id']}", {"stage": stage("Won").pk}).json()
    assert won["status"] == "won" and won["probability"] == 100
    assert Deal.objects.get().closed_at is not None
    reopened = patch(client, f"/api/v1/deals/{deal['id']}", {"stage": stage("Proposal").pk})
    assert reopened.json()["status"] == "open" and Deal.objects.get().closed_at is None


def test_a_lost_reason_only_on_a_lost_deal(sales):
    client, _ = sales
    deal = post(client, "/api/v1/deals", {"title": "A"}).json()
    bad = patch(client, f"/api/v1/deals/{deal['id']}", {"lost_reason": "price"})
    assert bad.status_code == 400 and set(bad.json()["errors"]) == {"lost_reason"}
    lost = patch(
        client,
        f"/api/v1/deals/{deal['id']}",
        {"stage": stage("Lost").pk, "lost_reason": "competitor"},
    )
    assert lost.json()["lost_reason"] == "competitor" and lost.json()["status"] == "lost"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({}, "title"),
        ({"title": "  "}, "title"),
        ({"title": "x" * 201}, "title"),
        ({"title": "A", "amount": "-5"}, "amount"),
        ({"title": "A", "currency": "kronor"}, "currency"),
        ({"title": "A", "probability": 150}, "probability"),
        ({"title": "A", "company": 999999}, "company"),
        ({"title": "A", "lost_reason": "mood"}, "lost_reason"),
        ({"title": "A", "contacts": [{"contact": 999999}]}, "contacts"),
    ],
)
def test_bad_input_names_the_field_and_writes_nothing(sales, body, field):
    client, _ = sales
    response = post(client, "/api/v1/deals", body)
    assert response.status_code == 400, response.content
    assert set(response.json()["errors"]) == {field}
    assert not Deal.objects.exists()


def test_a_stage_of_another_pipeline_is_refused(sales):
    client, _ = sales
    other = Pipeline.objects.create(name="Partners")
    foreign = Stage.objects.create(pipeline=other, name="Signed", kind="won")
    response = post(client, "/api/v1/deals", {"title": "A", "stage": foreign.pk})
    assert response.status_code == 400 and set(response.json()["errors"]) == {"stage"}
    ok = post(client, "/api/v1/deals", {"title": "B", "pipeline": other.pk})
    assert ok.json()["stage_name"] == "Signed"


def test_contacts_take_part_with_roles_and_the_audit_names_them(sales):
    client, _ = sales
    contact = create_contact(
        Actor.system("t"), Purpose.CUSTOMER_RELATIONSHIP, {"last_name": "Beslutsfattare"}, {}
    )
    deal = post(
        client,
        "/api/v1/deals",
        {"title": "A", "contacts": [{"contact": contact.pk, "role": "decision_maker"}]},
    ).json()
    assert deal["contacts"] == [{"contact": contact.pk, "role": "decision_maker"}]
    event = AuditEvent.objects.filter(record_kind="deal").order_by("-seq").first()
    assert event.subjects == [str(contact.subject_id)]


def test_the_list_filters_by_stage_and_costs_constant_queries(sales):
    client, _ = sales
    for i in range(3):
        post(client, "/api/v1/deals", {"title": f"D{i}", "tags": ["x"]})
    with CaptureQueriesContext(connections["default"]) as few:
        client.get("/api/v1/deals")
    for i in range(3, 60):
        post(client, "/api/v1/deals", {"title": f"D{i}", "tags": ["x"]})
    with CaptureQueriesContext(connections["default"]) as many:
        assert len(client.get("/api/v1/deals").json()["results"]) == 50
    assert len(many.captured_queries) == len(few.captured_queries)
    assert client.get("/api/v1/deals", {"stage": stage("Won").pk}).json()["count"] == 0


def test_archive_and_delete_are_audited_and_unknown_ids_404(sales):
    client, _ = sales
    deal = post(client, "/api/v1/deals", {"title": "A"}).json()
    assert post(client, f"/api/v1/deals/{deal['id']}/archive").json()["archived"]
    assert client.delete(f"/api/v1/deals/{deal['id']}").status_code == 204
    assert client.get(f"/api/v1/deals/{deal['id']}").status_code == 404
    actions = set(AuditEvent.objects.filter(record_kind="deal").values_list("action", flat=True))
    assert {"archive", "delete"} <= actions


@pytest.mark.parametrize("role", ["support", "finance", "dpo"])
def test_other_roles_read_deals_but_only_sales_change_them(sales, role):
    deal = post(sales[0], "/api/v1/deals", {"title": "A"}).json()
    client, _ = client_with(role)
    assert client.get(f"/api/v1/deals/{deal['id']}").status_code == 200
    assert post(client, "/api/v1/deals", {"title": "B"}).status_code == 403
    assert patch(client, f"/api/v1/deals/{deal['id']}", {"title": "C"}).status_code == 403


@pytest.mark.parametrize("role", ["marketing", "admin", "auditor"])
def test_roles_without_deals_are_refused(role):
    client, _ = client_with(role)
    assert client.get("/api/v1/deals").status_code == 403


def test_a_lost_deal_needs_a_reason_and_reopening_drops_it(sales):
    client, _ = sales
    deal = post(client, "/api/v1/deals", {"title": "A"}).json()
    bad = patch(client, f"/api/v1/deals/{deal['id']}", {"stage": stage("Lost").pk})
    assert bad.status_code == 400 and set(bad.json()["errors"]) == {"lost_reason"}
    assert Deal.objects.get().stage == stage("Qualification")
    lost = {"stage": stage("Lost").pk, "lost_reason": "price"}
    assert patch(client, f"/api/v1/deals/{deal['id']}", lost).status_code == 200
    reopened = patch(client, f"/api/v1/deals/{deal['id']}", {"stage": stage("Proposal").pk})
    assert reopened.status_code == 200, reopened.content
    assert (reopened.json()["status"], reopened.json()["lost_reason"]) == ("open", "")


def test_the_list_filters_by_status_and_tag_sorts_and_names_a_bad_filter(sales):
    client, _ = sales
    for title, amount in (("B", "5"), ("A", "7"), ("C", "1")):
        post(client, "/api/v1/deals", {"title": title, "amount": amount, "tags": [title.lower()]})
    won = post(client, "/api/v1/deals", {"title": "W", "stage": stage("Won").pk}).json()

    def titles(**query):
        return [d["title"] for d in client.get("/api/v1/deals", query).json()["results"]]

    assert titles() == ["W", "C", "A", "B"]  # newest first
    assert titles(sort="title") == ["A", "B", "C", "W"]
    assert titles(sort="-amount", status="open") == ["A", "B", "C"]
    assert titles(status="won") == [won["title"]]
    assert titles(tag="c") == ["C"]
    for query, field in (({"stage": 999999}, "stage"), ({"sort": "price"}, "sort")):
        response = client.get("/api/v1/deals", query)
        assert response.status_code == 400 and set(response.json()["errors"]) == {field}
