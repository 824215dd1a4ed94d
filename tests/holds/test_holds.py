"""Legal holds (SPEC I4): a won deal keeps its contract under a key of its own, finance
reads it, nobody else does, and the end of the hold destroys that key."""

from __future__ import annotations

import datetime

import pytest
from django.db import connections
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from lethe import config
from lethe.audit.models import Action, AuditEvent
from lethe.contacts.actions import create_contact
from lethe.deals.models import Deal, Stage
from lethe.holds import actions as holds
from lethe.holds.models import LegalHold
from lethe.vault import gate
from lethe.vault.errors import AccessDenied
from lethe.vault.keystore.models import DataKey
from lethe.vault.models import PersonalValue
from lethe.vault.policy import Actor, Purpose, Role
from tests.conftest import ALL
from tests.helpers import client_with, patch, post

pytestmark = pytest.mark.django_db(databases=ALL)

SYSTEM = Actor.system("tests")
CR = Purpose.CUSTOMER_RELATIONSHIP
LEGAL = Purpose.LEGAL_OBLIGATION
FINANCE = Actor("user", "finance", frozenset({Role.FINANCE}))


def stage(name: str) -> Stage:
    return Stage.objects.get(pipeline__name="Sales", name=name)


@pytest.fixture
def sales():
    return client_with("sales", "seller", fresh=True)


@pytest.fixture
def person(sales, people):
    _, user = sales
    values = people(1, seed=7301)[0]
    return values, create_contact(SYSTEM, CR, values, {"owner": user})


@pytest.mark.parametrize(
    ("closed", "year_end", "until"),
    [
        ("2026-03-15", (12, 31), "2033-12-31"),  # the brief's example: closed in 2026
        ("2026-12-31", (12, 31), "2033-12-31"),
        ("2026-06-30", (6, 30), "2033-12-31"),  # the financial year 2025/26 ends in 2026
        ("2026-07-01", (6, 30), "2034-12-31"),  # 2026/27 ends in 2027
        ("2028-02-29", (12, 31), "2035-12-31"),
    ],
)
def test_a_contract_is_held_to_the_end_of_the_seventh_year_after_its_financial_year(
    closed, year_end, until
):
    day = datetime.date.fromisoformat(closed)
    assert holds.held_until(day, year_end) == datetime.date.fromisoformat(until)


def test_the_financial_year_end_is_configured_as_a_day_every_year_has():
    assert config.load({"LETHE_ENV": "test"}).financial_year_end == (12, 31)
    assert config.load(
        {"LETHE_ENV": "test", "LETHE_FINANCIAL_YEAR_END": "06-30"}
    ).financial_year_end == (
        6,
        30,
    )
    for bad in ("02-29", "13-01", "june", "6/30"):
        with pytest.raises(config.ConfigError, match="LETHE_FINANCIAL_YEAR_END"):
            config.load({"LETHE_ENV": "test", "LETHE_FINANCIAL_YEAR_END": bad})


def test_winning_a_deal_holds_the_contract_of_each_of_its_people(sales, person, people):
    client, _ = sales
    values, contact = person
    other = create_contact(SYSTEM, CR, people(2, seed=7302)[1], {})
    deal = post(
        client,
        "/api/v1/deals",
        {
            "title": "Ramavtal",
            "amount": "90000",
            "currency": "EUR",
            "contacts": [{"contact": contact.pk}, {"contact": other.pk}],
        },
    ).json()
    assert not LegalHold.objects.exists()  # an open deal is no contract yet
    patch(client, f"/api/v1/deals/{deal['id']}", {"stage": stage("Won").pk})
    made = list(LegalHold.objects.order_by("subject_id"))
    assert sorted(h.subject_id for h in made) == sorted([contact.subject_id, other.subject_id])
    hold = LegalHold.objects.get(subject_id=contact.subject_id)
    today = timezone.localdate()
    assert (hold.title, hold.amount, hold.currency) == ("Ramavtal", 90000, "EUR")
    assert hold.closed_on == hold.starts_on == today
    assert hold.ends_on == datetime.date(today.year + 7, 12, 31)
    assert hold.scope == f"hold:deal-{deal['id']}" and "Bokföringslagen" in hold.legal_basis
    fields = PersonalValue.objects.filter(subject_id=contact.subject_id, scope=hold.scope)
    assert sorted(fields.values_list("field", flat=True)) == ["email", "first_name", "last_name"]
    assert DataKey.objects.filter(subject=contact.subject_id, scope=hold.scope).exists()
    event = AuditEvent.objects.filter(record_kind="legal_hold", record_id=str(hold.pk)).get()
    assert event.detail["fields"] == ["email", "first_name", "last_name"]
    assert values["last_name"] not in str(event.detail)
    # Moving it again, or setting the same people, makes no second hold.
    patch(client, f"/api/v1/deals/{deal['id']}", {"stage": stage("Proposal").pk})
    patch(client, f"/api/v1/deals/{deal['id']}", {"stage": stage("Won").pk})
    patch(client, f"/api/v1/deals/{deal['id']}", {"contacts": [{"contact": contact.pk}]})
    assert LegalHold.objects.count() == 2


def test_people_added_to_a_won_deal_are_held_too_and_a_lost_deal_holds_nothing(sales, person):
    client, _ = sales
    _, contact = person
    won = post(client, "/api/v1/deals", {"title": "Vunnen", "stage": stage("Won").pk}).json()
    assert not LegalHold.objects.exists()
    patch(client, f"/api/v1/deals/{won['id']}", {"contacts": [{"contact": contact.pk}]})
    assert LegalHold.objects.filter(record_id=won["id"]).count() == 1
    lost = post(
        client,
        "/api/v1/deals",
        {
            "title": "Förlorad",
            "stage": stage("Lost").pk,
            "lost_reason": "price",
            "contacts": [{"contact": contact.pk}],
        },
    ).json()
    assert not LegalHold.objects.filter(record_id=lost["id"]).exists()


def test_the_board_move_to_won_holds_the_contract(sales, person):
    client, _ = sales
    _, contact = person
    deal = post(
        client, "/api/v1/deals", {"title": "Tavla", "contacts": [{"contact": contact.pk}]}
    ).json()
    response = client.post(f"/deals/{deal['id']}/move/", {"stage": stage("Won").pk})
    assert response.status_code == 302
    assert LegalHold.objects.filter(record_id=deal["id"], subject_id=contact.subject_id).exists()


def won_deal(client, contact) -> Deal:
    deal = post(
        client,
        "/api/v1/deals",
        {"title": "Avtal", "stage": stage("Won").pk, "contacts": [{"contact": contact.pk}]},
    ).json()
    return Deal.objects.get(pk=deal["id"])


def test_finance_reads_the_holds_and_nobody_else_reads_their_data(sales, person):
    client, user = sales
    values, contact = person
    won_deal(client, contact)
    finance, _ = client_with("finance", "finance")
    (row,) = finance.get("/api/v1/holds").json()["results"]
    assert row["person"] == {
        "first_name": values["first_name"],
        "last_name": values["last_name"],
        "email": values["email"],
    }
    page = finance.get("/holds/").content.decode()
    assert values["last_name"] in page and "Bokföringslagen" in page
    assert client.get("/api/v1/holds").status_code == 403  # the owner, in sales
    hold = LegalHold.objects.get()
    owner = Actor("user", str(user.pk), frozenset({Role.SALES}))
    for actor, purpose in (
        (owner, CR),
        (Actor("user", "dpo", frozenset({Role.DPO})), Purpose.DATA_SUBJECT_REQUEST),  # no case
        (Actor("user", "m", frozenset({Role.MARKETING})), Purpose.DIRECT_MARKETING),
        (Actor("user", "a", frozenset({Role.ADMIN})), Purpose.ADMINISTRATION),
    ):
        read = gate.read(actor, [contact.subject_id], purpose, scope=hold.scope)
        assert all(isinstance(v, gate.Masked) for v in read[contact.subject_id].values())
    # Finance reads nothing outside the holds.
    default = gate.read(FINANCE, [contact.subject_id], LEGAL, names=["last_name"])
    assert isinstance(default[contact.subject_id]["last_name"], gate.Masked)


def test_the_hold_list_names_a_bad_state_and_costs_the_same_for_one_or_many(sales, person, people):
    client, _ = sales
    finance, _ = client_with("finance", "finance")
    response = finance.get("/api/v1/holds", {"state": "forever"})
    assert response.status_code == 400 and list(response.json()["errors"]) == ["state"]
    assert finance.get("/holds/", {"state": "forever"}).status_code == 400
    _, contact = person
    won_deal(client, contact)
    with CaptureQueriesContext(connections["default"]) as one:
        assert len(finance.get("/api/v1/holds").json()["results"]) == 1
    for values in people(6, seed=7303):
        won_deal(client, create_contact(SYSTEM, CR, values, {}))
    with CaptureQueriesContext(connections["default"]) as many:
        assert len(finance.get("/api/v1/holds").json()["results"]) == 7
    assert len(many.captured_queries) == len(one.captured_queries)


def test_release_due_destroys_the_hold_key_at_its_end_and_only_then(sales, person):
    client, _ = sales
    values, contact = person
    won_deal(client, contact)
    hold = LegalHold.objects.get()
    last_day = datetime.datetime.combine(hold.ends_on, datetime.time(12), datetime.UTC)
    assert holds.release_due(last_day) == 0
    assert holds.contract_records(FINANCE, [hold])[0].name.endswith(values["last_name"])
    assert holds.release_due(last_day + datetime.timedelta(days=1)) == 1
    hold.refresh_from_db()
    assert hold.released_at is not None
    key = DataKey.objects.get(subject=contact.subject_id, scope=hold.scope)
    assert key.wrapped is None and key.shredded_at is not None
    assert not PersonalValue.objects.filter(
        subject_id=contact.subject_id, scope=hold.scope
    ).exists()
    assert holds.contract_records(FINANCE, [hold])[0].name == "[erased]"
    event = AuditEvent.objects.filter(action=Action.ERASURE).last()
    assert event.detail == {
        "scope": hold.scope,
        "key_destroyed": True,
        "reason": "legal_hold_ended",
    }
    # The person's own (default-scope) data is untouched, and a second run does nothing.
    assert not DataKey.objects.get(subject=contact.subject_id, scope="default").shredded_at
    assert holds.release_due(last_day + datetime.timedelta(days=400)) == 0
    finance, _ = client_with("finance", "finance")
    (row,) = finance.get("/api/v1/holds", {"state": "released"}).json()["results"]
    assert row["released_at"] and row["person"] == {}
    assert finance.get("/api/v1/holds").json()["results"] == []


def test_only_lethes_own_jobs_copy_into_a_hold_and_only_into_a_hold(person):
    _, contact = person
    with pytest.raises(AccessDenied):
        gate.copy(FINANCE, contact.subject, ["last_name"], scope="hold:x", purpose=LEGAL)
    with pytest.raises(ValueError, match="legal-hold scope"):
        gate.copy(SYSTEM, contact.subject, ["last_name"], scope="default", purpose=LEGAL)
    assert gate.copy(
        SYSTEM, contact.subject, ["last_name", "phone"], scope="hold:x", purpose=LEGAL
    ) == [
        "last_name",
        "phone",
    ]
    # Copying again replaces, never duplicates.
    gate.copy(SYSTEM, contact.subject, ["last_name"], scope="hold:x", purpose=LEGAL)
    assert PersonalValue.objects.filter(subject=contact.subject, scope="hold:x").count() == 2


def test_ciphertexts_are_purged_only_once_their_key_is_gone(person):
    _, contact = person
    gate.copy(SYSTEM, contact.subject, ["last_name"], scope="hold:y", purpose=LEGAL)
    with pytest.raises(ValueError, match="shred it first"):
        gate.purge(SYSTEM, contact.subject, scope="hold:y", reason="test")
    with pytest.raises(AccessDenied):
        gate.purge(FINANCE, contact.subject, scope="hold:y", reason="test")
    gate.shred(SYSTEM, contact.subject, scope="hold:y", reason="test")
    assert gate.inventory(contact.subject)["values"]["hold:y"] == 1
    assert gate.purge(SYSTEM, contact.subject, scope="hold:y", reason="test") == {
        "values": 1,
        "history": 0,
    }
    stored = gate.inventory(contact.subject)
    assert "hold:y" not in stored["values"] and stored["values"]["default"] > 5


def test_the_retention_run_releases_holds_at_their_end_and_keeps_them_before(sales, person):
    """`lethe retention run` (the worker's daily job) releases ended holds, with time moved."""
    import time_machine

    from lethe.retention import engine

    client, _ = sales
    _, contact = person
    won_deal(client, contact)
    hold = LegalHold.objects.get()
    last_day = datetime.datetime.combine(hold.ends_on, datetime.time(12), datetime.UTC)
    with time_machine.travel(last_day, tick=False):
        engine.run()
    hold.refresh_from_db()
    assert hold.released_at is None
    with time_machine.travel(last_day + datetime.timedelta(days=1), tick=False):
        run = engine.run()
    hold.refresh_from_db()
    assert hold.released_at is not None
    event = AuditEvent.objects.filter(record_kind="retention_run", record_id=str(run.pk)).get()
    assert event.detail["holds_released"] == 1
