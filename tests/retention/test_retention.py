"""Retention with the clock moved forward: plan and run erase exactly what is due."""

from __future__ import annotations

import datetime as dt
import io

import pytest
import time_machine
from django.core.management import call_command
from django.core.management.base import CommandError

from lethe.activities.actions import create_activity
from lethe.activities.models import Activity
from lethe.companies.models import Company
from lethe.contacts.actions import create_contact
from lethe.contacts.models import Contact
from lethe.deals.models import Deal, DealContact, Pipeline, Stage
from lethe.retention import engine
from lethe.retention.models import Run
from lethe.vault.models import Subject
from lethe.vault.policy import Actor, Purpose
from tests.conftest import ALL

pytestmark = pytest.mark.django_db(databases=ALL)

CR = Purpose.CUSTOMER_RELATIONSHIP
SYSTEM = Actor.system("tests")
UTC = dt.UTC


def at(*args) -> dt.datetime:
    return dt.datetime(*args, 12, tzinfo=UTC)


def contact(person: dict, stage: str, created: dt.datetime) -> Contact:
    made = create_contact(SYSTEM, CR, person, {"stage": stage})
    Contact.objects.filter(pk=made.pk).update(created_at=created)
    return made


def activity(who: Contact | None, when: dt.datetime, text: str, company=None) -> Activity:
    data = {"kind": "note", "occurred_at": when, "body": text}
    data.update({"contact": who} if who else {"company": company})
    return create_activity(SYSTEM, CR, data)


def deal(who: Contact, stage: Stage, pipeline: Pipeline, closed: dt.datetime | None) -> Deal:
    d = Deal.objects.create(title="Licenser", pipeline=pipeline, stage=stage, closed_at=closed)
    DealContact.objects.create(deal=d, contact=who)
    return d


@pytest.fixture
def world(people):
    """Data made in early 2020, with events at known dates."""
    p = people(5, seed=71)
    start = at(2020, 1, 1)
    pipeline = Pipeline.objects.create(name="Retention")
    won = Stage.objects.create(pipeline=pipeline, name="Won", kind=Stage.Kind.WON)
    open_ = Stage.objects.create(pipeline=pipeline, name="Open", kind=Stage.Kind.OPEN)
    company = Company.objects.create(name="Arkiv AB")
    w = {
        "old_lead": contact(p[0], "lead", start),
        "active_lead": contact(p[1], "lead", start),
        "former": contact(p[2], "former_customer", start),
        "customer": contact(p[3], "customer", start),
        "fresh_lead": contact(p[4], "lead", at(2022, 1, 1)),
    }
    activity(w["old_lead"], at(2020, 2, 1), "Första samtalet")
    activity(w["active_lead"], at(2021, 6, 1), "Uppföljning")
    deal(w["former"], won, pipeline, at(2020, 1, 15))
    deal(w["customer"], open_, pipeline, None)
    w["company_note"] = activity(None, at(2020, 1, 2), "Avtalsmöte", company=company)
    return w


def planned(as_of: dt.datetime) -> dict[str, list[int]]:
    return {item.policy.key: item.ids for item in engine.plan(as_of)}


def test_plan_names_exactly_the_records_each_policy_makes_due(world):
    plan = planned(at(2022, 3, 1))
    assert plan["leads-24-months"] == [world["old_lead"].pk]
    assert plan["former-customers-36-months"] == []
    # The old lead's own activity goes with them; the company note is not 5 years old yet.
    assert world["company_note"].pk not in plan["activities-5-years"]

    later = planned(at(2023, 2, 1))
    assert later["former-customers-36-months"] == [world["former"].pk]
    assert world["active_lead"].pk not in later["leads-24-months"]  # active in June 2021
    contacts_due = set(later["leads-24-months"]) | set(later["former-customers-36-months"])
    assert world["customer"].pk not in contacts_due  # an open deal keeps them
    assert world["fresh_lead"].pk not in contacts_due

    much_later = planned(at(2025, 1, 3))
    assert world["company_note"].pk in much_later["activities-5-years"]
    assert world["active_lead"].pk in much_later["leads-24-months"]


def test_run_erases_the_due_and_keeps_the_rest(world):
    old_subject = world["old_lead"].subject_id
    with time_machine.travel(at(2022, 3, 1), tick=False):
        result = engine.run()
    assert result.finished_at is not None
    assert not Contact.objects.filter(pk=world["old_lead"].pk).exists()
    assert Subject.objects.get(pk=old_subject).status == Subject.Status.ERASED
    assert not Activity.objects.filter(contact_id=world["old_lead"].pk).exists()
    for kept in ("active_lead", "former", "customer", "fresh_lead"):
        assert Contact.objects.filter(pk=world[kept].pk).exists(), kept
    assert Activity.objects.filter(pk=world["company_note"].pk).exists()
    assert Subject.objects.get(pk=world["former"].subject_id).status == Subject.Status.ACTIVE


def test_a_run_killed_halfway_is_finished_by_the_next_one(world, monkeypatch):
    as_of = at(2025, 1, 3)
    expected = planned(as_of)
    calls = {"n": 0}
    real = engine.ERASERS["contact"]

    def dying(actor, pk):
        calls["n"] += 1
        if calls["n"] == 2:
            raise RuntimeError("worker killed")
        return real(actor, pk)

    monkeypatch.setitem(engine.ERASERS, "contact", dying)
    with pytest.raises(RuntimeError, match="killed"):
        engine.run(as_of=as_of)
    interrupted = engine.unfinished()
    assert interrupted is not None and len(interrupted.done) == 1
    monkeypatch.setitem(engine.ERASERS, "contact", real)
    finished = engine.run(as_of=as_of)
    assert finished.pk == interrupted.pk and finished.finished_at is not None
    gone = set(expected["leads-24-months"] + expected["former-customers-36-months"])
    assert not Contact.objects.filter(pk__in=gone).exists()
    assert Contact.objects.filter(pk=world["customer"].pk).exists()
    assert not Activity.objects.filter(pk__in=expected["activities-5-years"]).exists()
    assert Run.objects.filter(finished_at__isnull=True).count() == 0


def test_cli_plan_and_run(world):
    out = io.StringIO()
    call_command("retention", "plan", "--as-of", "2022-03-01", stdout=out)
    assert "leads-24-months: 1 contact(s)" in out.getvalue()
    out = io.StringIO()
    call_command("retention", "run", "--as-of", "2022-03-01", stdout=out, stderr=io.StringIO())
    assert "retention run" in out.getvalue()
    assert not Contact.objects.filter(pk=world["old_lead"].pk).exists()
    with pytest.raises(CommandError, match="--as-of"):
        call_command("retention", "plan", "--as-of", "tomorrow")


def test_console_page_shows_what_is_due_and_the_dpo_edits_a_policy(world):
    from lethe.audit.models import AuditEvent
    from lethe.retention.models import Policy
    from tests.helpers import client_with

    dpo, _ = client_with("dpo")
    html = dpo.get("/console/retention/").content.decode()
    assert "leads-24-months" in html and "No runs yet" in html
    policy = Policy.objects.get(key="leads-24-months")
    assert dpo.post(f"/console/retention/{policy.pk}/", {"months": "0"}).status_code == 302
    policy.refresh_from_db()
    assert policy.months == 24 and policy.enabled  # a bad value changes nothing
    dpo.post(f"/console/retention/{policy.pk}/", {"months": "30"})
    policy.refresh_from_db()
    assert policy.months == 30 and not policy.enabled
    event = AuditEvent.objects.filter(record_kind="retention_policy").last()
    assert event.detail["after"] == {"months": 30, "enabled": False}
    auditor, _ = client_with("auditor")
    html = auditor.get("/console/retention/").content.decode()
    assert "leads-24-months" in html and "<form" not in html.split("<h1>Retention")[1]


def test_a_restricted_person_is_left_alone_until_the_restriction_is_lifted(world):
    Subject.objects.filter(pk=world["old_lead"].subject_id).update(status=Subject.Status.RESTRICTED)
    plan = planned(at(2025, 1, 3))
    assert world["old_lead"].pk not in plan["leads-24-months"]
    own = set(Activity.objects.filter(contact=world["old_lead"]).values_list("pk", flat=True))
    assert own and not own & set(plan["activities-5-years"])
    engine.run(as_of=at(2025, 1, 3))
    assert Contact.objects.filter(pk=world["old_lead"].pk).exists()
