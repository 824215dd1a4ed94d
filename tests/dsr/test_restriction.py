"""Restriction (Art. 18): the person's data is kept but not used, until it is lifted after
telling them (18(3))."""

import csv
import datetime
import io

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from lethe.accounts.actions import actor_for
from lethe.audit.models import Action, AuditEvent
from lethe.contacts.models import Contact
from lethe.dsr import objection, rectification, restriction
from lethe.dsr.models import Request, RequestStep, Restriction
from lethe.vault import gate
from lethe.vault.errors import SubjectRestricted
from lethe.vault.models import Subject
from tests.conftest import ALL
from tests.dsr.rights_helpers import CR, SYSTEM, contact_for, fulfil, open_case
from tests.helpers import client_with, patch, post

pytestmark = pytest.mark.django_db(databases=ALL)

BANNER = "Restricted at the person's request: read-only"


@pytest.fixture
def world(people):
    """Two people owned by one salesperson; the first one asked for a restriction."""
    held, free = people(2, seed=71)
    owner_client, owner = client_with("sales", "owner", fresh=True)
    dpo_client, dpo = client_with("dpo", fresh=True)
    restricted_contact = contact_for(owner, held)
    other = contact_for(owner, free)
    request = open_case(dpo, "restriction", restricted_contact)
    return held, free, owner_client, dpo_client, dpo, restricted_contact, other, request


def status(contact: Contact) -> str:
    return Subject.objects.get(pk=contact.subject_id).status


def test_fulfilling_restricts_the_person_and_records_it(world):
    *_, dpo, contact, other, request = world
    outcome = fulfil(dpo, request)
    assert outcome["restricted"] == 1
    assert status(contact) == Subject.Status.RESTRICTED and status(other) == "active"
    assert Restriction.objects.get(request=request).active
    event = AuditEvent.objects.filter(action=Action.UPDATE, record_kind="subject").get()
    assert event.subjects == [str(contact.subject_id)] and event.detail["status"] == "restricted"
    assert restriction.restricted([contact.subject_id, other.subject_id]) == {contact.subject_id}
    assert objection.not_for_marketing([contact.subject_id, other.subject_id]) == {
        contact.subject_id
    }
    assert list(restriction.exclude_restricted(Contact.objects.all())) == [other]


def test_writes_to_a_restricted_persons_data_are_refused_everywhere(world):
    held, _, owner_client, _, dpo, contact, _, request = world
    fulfil(dpo, request)
    refused = patch(owner_client, f"/api/v1/contacts/{contact.pk}", {"job_title": "Ny titel"})
    assert refused.status_code == 409
    assert list(refused.json()["errors"]) == ["job_title"]
    assert "read-only" in refused.json()["detail"]
    # Business fields are not their personal data: the contact can still move on.
    moved = patch(owner_client, f"/api/v1/contacts/{contact.pk}", {"stage": "customer"})
    assert moved.status_code == 200 and moved.json()["restricted"] is True
    deleted = owner_client.delete(f"/api/v1/contacts/{contact.pk}")
    assert deleted.status_code == 409 and Contact.objects.filter(pk=contact.pk).exists()
    body = {"kind": "note", "contact": contact.pk, "body": "Ringde upp"}
    note = post(owner_client, "/api/v1/activities", body)
    assert note.status_code == 403
    edit = {"first_name": held["first_name"], "last_name": "Annat", "stage": "lead"}
    edit.update(source="from_person", obtained_at="2024-01-01")
    form = owner_client.post(f"/contacts/{contact.pk}/edit/", edit)
    assert form.status_code == 400 and "read-only" in form.content.decode()
    with pytest.raises(SubjectRestricted):
        gate.write(SYSTEM, Subject.objects.get(pk=contact.subject_id), {"notes": "x"}, CR)
    values = owner_client.get(f"/api/v1/contacts/{contact.pk}").json()["fields"]
    assert values["last_name"] == held["last_name"] and values["job_title"] == held["job_title"]
    denied = AuditEvent.objects.filter(action=Action.ACCESS_DENIED, detail__reason="restricted")
    assert denied.exists()


def test_a_restricted_contact_cannot_be_merged(world):
    _, _, owner_client, _, dpo, contact, other, request = world
    fulfil(dpo, request)
    response = post(owner_client, f"/api/v1/contacts/{other.pk}/merge", {"from": contact.pk})
    assert response.status_code == 400 and "from" in response.json()["errors"]
    assert Contact.objects.filter(pk=contact.pk).exists()


def test_restricted_people_are_left_out_of_exports_and_marked_in_lists(world):
    held, free, owner_client, _, dpo, contact, other, request = world
    fulfil(dpo, request)
    export = owner_client.get("/api/v1/contacts/export.csv")
    assert export.status_code == 200
    rows = list(csv.DictReader(io.StringIO(export.content.decode())))
    assert [r["last_name"] for r in rows] == [free["last_name"]]
    assert held["last_name"] not in export.content.decode()
    event = AuditEvent.objects.filter(action=Action.EXPORT, record_kind="contact").get()
    assert event.detail["restricted_left_out"] == 1
    listed = owner_client.get("/api/v1/contacts").json()["results"]
    assert {r["id"]: r["restricted"] for r in listed} == {contact.pk: True, other.pk: False}
    page = owner_client.get("/contacts/").content.decode()
    assert page.count(">restricted</span>") == 1


def test_the_contact_page_carries_the_banner(world):
    *_, owner_client, _, dpo, contact, other, request = world
    assert BANNER not in owner_client.get(f"/contacts/{contact.pk}/").content.decode()
    fulfil(dpo, request)
    assert BANNER in owner_client.get(f"/contacts/{contact.pk}/").content.decode()
    assert BANNER not in owner_client.get(f"/contacts/{other.pk}/").content.decode()


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"told_method": "email"}, "told_on"),
        ({"told_on": "2020-13-01", "told_method": "email"}, "told_on"),
        ({"told_on": "2999-01-01", "told_method": "email"}, "told_on"),
        ({"told_on": "today"}, "told_on"),
        ({"told_on": "{today}"}, "told_method"),
        ({"told_on": "{today}", "told_method": "carrier pigeon"}, "told_method"),
        ({"told_on": "2001-01-01", "told_method": "letter"}, "told_on"),  # before it started
    ],
)
def test_lifting_without_recording_that_the_person_was_told_fails(world, body, field):
    *_, dpo_client, dpo, contact, _, request = world
    fulfil(dpo, request)
    today = timezone.localdate().isoformat()
    body = {k: v.format(today=today) for k, v in body.items()}
    response = post(dpo_client, f"/api/v1/dsr/{request.pk}/restriction/lift", body)
    assert response.status_code == 400
    assert list(response.json()["errors"]) == [field]
    assert status(contact) == Subject.Status.RESTRICTED


def test_lifting_after_telling_the_person_ends_the_restriction_and_is_audited(world):
    *_, owner_client, dpo_client, dpo, contact, _, request = world
    fulfil(dpo, request)
    lift = f"/api/v1/dsr/{request.pk}/restriction/lift"
    today = timezone.localdate().isoformat()
    stale, _ = client_with("dpo", "stale-dpo")
    assert post(stale, lift, {"told_on": today, "told_method": "letter"}).status_code == 403
    assert post(owner_client, lift, {"told_on": today, "told_method": "letter"}).status_code == 403
    response = post(dpo_client, lift, {"told_on": today, "told_method": "letter", "note": "Brev"})
    assert response.status_code == 200, response.content
    lifted = response.json()["restrictions"][0]
    assert lifted["told_on"] == today and lifted["told_method"] == "letter"
    assert status(contact) == Subject.Status.ACTIVE
    step = RequestStep.objects.filter(request=request, step="restriction_lifted").get()
    assert step.detail["told_method"] == "letter" and step.note is not None
    event = AuditEvent.objects.filter(
        action=Action.UPDATE, record_kind="subject", detail__status="active"
    ).get()
    assert event.detail["told_method"] == "letter"
    ok = patch(owner_client, f"/api/v1/contacts/{contact.pk}", {"job_title": "Ny titel"})
    assert ok.status_code == 200
    again = post(dpo_client, lift, {"told_on": today, "told_method": "letter"})
    assert again.status_code == 400 and "status" in again.json()["errors"]


def test_a_person_restricted_by_two_requests_stays_restricted_until_both_are_lifted(world):
    *_, dpo, contact, _, request = world
    second = open_case(dpo, "restriction", contact)
    fulfil(dpo, request)
    fulfil(dpo, second)
    today = timezone.localdate()
    restriction.lift(actor_for(dpo), Request.objects.get(pk=request.pk), today, "email")
    assert status(contact) == Subject.Status.RESTRICTED
    restriction.lift(actor_for(dpo), Request.objects.get(pk=second.pk), today, "phone")
    assert status(contact) == Subject.Status.ACTIVE


def test_the_dpo_may_still_rectify_a_restricted_person_inside_the_case(world):
    *_, owner_client, _, dpo, contact, _, request = world
    fulfil(dpo, request)
    rectify = open_case(dpo, "rectification", contact)
    rectification.add_corrections(actor_for(dpo), rectify, {"job_title": "Rättad titel"})
    fulfil(dpo, rectify)
    shown = owner_client.get(f"/api/v1/contacts/{contact.pk}").json()["fields"]
    assert shown["job_title"] == "Rättad titel"
    assert status(contact) == Subject.Status.RESTRICTED


def test_lifting_through_the_console_page_needs_the_date_and_method(world):
    *_, dpo_client, dpo, contact, _, request = world
    fulfil(dpo, request)
    page = f"/console/rights/requests/{request.pk}/restriction/"
    html = dpo_client.get(page).content.decode()
    assert str(contact.subject_id) in html and "Lift the restriction" in html
    missing = dpo_client.post(page, {"told_method": "email"})
    assert missing.status_code == 400 and "give the date" in missing.content.decode()
    assert status(contact) == Subject.Status.RESTRICTED
    yesterday = timezone.localdate() - datetime.timedelta(days=1)
    Restriction.objects.filter(request=request).update(
        started_at=timezone.now() - datetime.timedelta(days=3)
    )
    done = dpo_client.post(page, {"told_on": yesterday.isoformat(), "told_method": "phone"})
    assert done.status_code == 303
    assert status(contact) == Subject.Status.ACTIVE
    stale, _ = client_with("dpo", "stale-page-dpo")
    assert stale.get(page).status_code == 302  # asks for the password first


def test_only_the_dpo_restricts_and_nothing_is_lifted_before_it_is_restricted(world):
    *_, dpo, contact, _, request = world
    _, salesperson = client_with("sales", "not-a-dpo")
    with pytest.raises(PermissionError):
        restriction.restrict(actor_for(salesperson, case=request.case), request)
    with pytest.raises(ValidationError) as refused:
        restriction.lift(actor_for(dpo), request, timezone.localdate(), "email")
    assert "status" in refused.value.message_dict
    assert status(contact) == Subject.Status.ACTIVE
