"""Recipients (Art. 19): the register, the disclosure log, and telling recipients of a
rectification, erasure or restriction."""

import datetime

import pytest
from django.template.loader import render_to_string
from django.utils import timezone

from lethe.accounts.actions import actor_for
from lethe.audit.models import Action, AuditEvent
from lethe.dsr import recipients
from lethe.dsr.models import Disclosure, Notification, Recipient, RequestStep
from tests.audit.test_coverage import leaks, personal_strings
from tests.conftest import ALL
from tests.dsr.rights_helpers import CR, SYSTEM, contact_for, fulfil, open_case
from tests.helpers import client_with, post

pytestmark = pytest.mark.django_db(databases=ALL)


@pytest.fixture
def world(people):
    persons = people(3, seed=91)
    owner_client, owner = client_with("sales", "owner", fresh=True)
    dpo_client, dpo = client_with("dpo", fresh=True)
    contacts = [contact_for(owner, p) for p in persons]
    return persons, owner_client, owner, dpo_client, dpo, contacts


def test_the_register_of_recipients_through_the_api(world):
    *_, owner_client, _, dpo_client, _, _ = world
    body = {"name": "Utskick AB", "kind": "processor", "country": "se"}
    created = post(dpo_client, "/api/v1/dsr/recipients", body)
    assert created.status_code == 201, created.content
    assert created.json()["country"] == "SE"
    assert [r["name"] for r in dpo_client.get("/api/v1/dsr/recipients").json()] == ["Utskick AB"]
    for bad, field in [
        ({**body, "name": "utskick ab"}, "name"),
        ({**body, "name": "  "}, "name"),
        ({**body, "name": "Annan AB", "kind": "friend"}, "kind"),
        ({**body, "name": "Annan AB", "country": "Sverige"}, "country"),
    ]:
        refused = post(dpo_client, "/api/v1/dsr/recipients", bad)
        assert refused.status_code == 400 and list(refused.json()["errors"]) == [field], bad
    assert Recipient.objects.count() == 1
    assert post(owner_client, "/api/v1/dsr/recipients", body).status_code == 403
    event = AuditEvent.objects.filter(action=Action.CREATE, record_kind="recipient").get()
    assert event.detail == {"kind": "processor"}


def test_recording_a_disclosure_by_hand_and_finding_it_by_pseudonym(world):
    persons, _, _, dpo_client, _, contacts = world
    recipient = recipients.create_recipient(SYSTEM, "Revisorn AB", "controller")
    body = {
        "recipient": recipient.pk,
        "subjects": [str(contacts[0].subject_id), str(contacts[1].subject_id)],
        "categories": ["user.name", "user.contact.email"],
        "purpose": "customer_relationship",
        "channel": "integration",
        "at": "2025-03-01",
    }
    created = post(dpo_client, "/api/v1/dsr/disclosures", body)
    assert created.status_code == 201, created.content
    assert sorted(created.json()["subjects"]) == sorted(body["subjects"])
    found = dpo_client.get("/api/v1/dsr/disclosures", {"subject": body["subjects"][0]}).json()
    assert found["count"] == 1 and found["results"][0]["subject_count"] == 2
    none = dpo_client.get("/api/v1/dsr/disclosures", {"subject": str(contacts[2].subject_id)})
    assert none.json()["count"] == 0
    bad_filter = dpo_client.get("/api/v1/dsr/disclosures", {"subject": "Anna Berg"})
    assert bad_filter.status_code == 400 and "subject" in bad_filter.json()["errors"]
    detail = dpo_client.get(f"/api/v1/dsr/disclosures/{created.json()['id']}").json()
    assert detail["recipient_name"] == "Revisorn AB" and len(detail["subjects"]) == 2
    held = recipients.disclosures_of([contacts[1].subject_id, contacts[2].subject_id])
    assert [d.pk for d in held] == [created.json()["id"]]
    assert held[0].matched == [contacts[1].subject_id]
    for bad, field in [
        ({**body, "recipient": 999}, "recipient"),
        ({**body, "recipient": "Revisorn AB"}, "recipient"),
        ({**body, "subjects": ["not-a-uuid"]}, "subjects"),
        ({**body, "subjects": ["0b5c8a4e-2f66-4a3c-9a57-0f4f1f3a0c11"]}, "subjects"),
        ({**body, "subjects": []}, "subjects"),
        ({**body, "categories": ["user.shoe_size"]}, "categories"),
        ({**body, "purpose": "curiosity"}, "purpose"),
        ({**body, "channel": "fax"}, "channel"),
        ({**body, "at": "2999-01-01"}, "at"),
    ]:
        refused = post(dpo_client, "/api/v1/dsr/disclosures", bad)
        assert refused.status_code == 400 and list(refused.json()["errors"]) == [field], bad
    assert Disclosure.objects.count() == 1
    assert leaks(set().union(*(personal_strings(p) for p in persons))) == []


def test_an_export_to_a_third_party_is_logged_as_a_disclosure(world):
    persons, owner_client, owner, _, _, contacts = world
    recipient = recipients.create_recipient(SYSTEM, "Mässbolaget AB", "controller")
    _, someone = client_with("sales", "someone-else")
    contact_for(someone, persons[0] | {"email": ["annan@example.org"]})  # owner cannot read it
    plain = owner_client.get("/api/v1/contacts/export.csv")
    assert plain.status_code == 200 and not Disclosure.objects.exists()
    marked = owner_client.get("/api/v1/contacts/export.csv", {"recipient": recipient.pk})
    assert marked.status_code == 200
    disclosure = Disclosure.objects.get()
    assert disclosure.recipient == recipient and disclosure.channel == "export"
    assert disclosure.by == f"user:{owner.pk}" and disclosure.purpose == CR
    disclosed = set(disclosure.subjects.values_list("subject_id", flat=True))
    assert disclosed == {c.subject_id for c in contacts}  # not the one shown masked
    assert set(disclosure.categories) == {
        "user.name",
        "user.contact.email",
        "user.contact.phone_number",
        "user.job_title",
    }
    event = AuditEvent.objects.filter(action=Action.EXPORT, detail__recipient=recipient.pk)
    assert event.exists()
    unknown = owner_client.get("/api/v1/contacts/export.csv", {"recipient": 999})
    assert unknown.status_code == 400 and "recipient" in unknown.json()["errors"]


def test_rectification_lists_the_recipients_to_tell_and_tracks_them(world):
    _, owner_client, _, dpo_client, dpo, contacts = world
    told, untouched = (
        recipients.create_recipient(SYSTEM, name, "processor") for name in ("Post AB", "Annan AB")
    )
    recipients.record_disclosure(
        SYSTEM, told, [contacts[0].subject_id], ["user.job_title"], CR, "export"
    )
    recipients.record_disclosure(
        SYSTEM, untouched, [contacts[1].subject_id], ["user.name"], CR, "export"
    )
    request = open_case(dpo, "rectification", contacts[0])
    post(dpo_client, f"/api/v1/dsr/{request.pk}/rectification", {"corrections": {"notes": "Ny"}})
    outcome = fulfil(dpo, request)
    assert outcome["recipients_to_notify"] == 1
    listed = dpo_client.get(f"/api/v1/dsr/{request.pk}/recipients").json()
    assert listed["outstanding"] == 1
    assert [n["recipient"]["name"] for n in listed["results"]] == ["Post AB"]
    notification = listed["results"][0]["id"]
    mark = f"/api/v1/dsr/{request.pk}/recipients/{notification}/notified"
    tomorrow = (timezone.localdate() + datetime.timedelta(days=1)).isoformat()
    for bad, field in [
        ({"method": "pigeon"}, "method"),
        ({}, "method"),
        ({"method": "email", "notified_on": tomorrow}, "notified_on"),
        ({"method": "email", "notified_on": "2001-01-01"}, "notified_on"),
    ]:
        refused = post(dpo_client, mark, bad)
        assert refused.status_code == 400 and list(refused.json()["errors"]) == [field], bad
    assert post(owner_client, mark, {"method": "email"}).status_code == 403
    done = post(dpo_client, mark, {"method": "email"})
    assert done.status_code == 200, done.content
    row = done.json()["results"][0]
    assert row["done"] and row["method"] == "email" and row["notified_by"] == f"user:{dpo.pk}"
    assert done.json()["outstanding"] == 0
    again = post(dpo_client, mark, {"method": "letter"})
    assert again.status_code == 400 and "notification" in again.json()["errors"]
    step = RequestStep.objects.get(request=request, step="recipient_notified")
    assert step.detail == {"recipient": told.pk, "method": "email"}
    assert RequestStep.objects.filter(request=request, step="recipients_listed").exists()


def test_restriction_and_erasure_list_recipients_but_access_does_not(world):
    *_, dpo, contacts = world
    recipient = recipients.create_recipient(SYSTEM, "Lista AB", "controller")
    recipients.record_disclosure(
        SYSTEM, recipient, [contacts[0].subject_id], ["user.name"], CR, "integration"
    )
    restriction = open_case(dpo, "restriction", contacts[0])
    assert fulfil(dpo, restriction)["recipients_to_notify"] == 1
    erasure = open_case(dpo, "erasure", contacts[0])
    assert [n.recipient for n in recipients.to_notify(erasure)] == [recipient]
    assert len(recipients.to_notify(erasure)) == 1  # made once
    access = open_case(dpo, "access", contacts[0])
    assert recipients.to_notify(access) == []
    assert Notification.objects.count() == 2


def test_the_console_pages_of_recipients_disclosures_and_notifications(world):
    _, owner_client, _, dpo_client, dpo, contacts = world
    page = dpo_client.post("/console/rights/recipients/", {"name": "Webbyrån AB", "kind": "other"})
    assert page.status_code == 303
    duplicate = dpo_client.post(
        "/console/rights/recipients/", {"name": "webbyrån ab", "kind": "other"}
    )
    assert duplicate.status_code == 400 and "exists" in duplicate.content.decode()
    recipient = Recipient.objects.get()
    assert "Webbyrån AB" in dpo_client.get("/console/rights/recipients/").content.decode()
    form = {
        "recipient": recipient.pk,
        "subjects": f"{contacts[0].subject_id}\n{contacts[1].subject_id}",
        "categories": ["user.name", "user.contact.email"],
        "purpose": "customer_relationship",
        "channel": "export",
    }
    assert dpo_client.post("/console/rights/disclosures/", form).status_code == 303
    wrong = dpo_client.post("/console/rights/disclosures/", {**form, "subjects": "Anna Berg"})
    assert wrong.status_code == 400 and "pseudonym" in wrong.content.decode()
    log = dpo_client.get("/console/rights/disclosures/", {"subject": str(contacts[0].subject_id)})
    assert "Webbyrån AB" in log.content.decode()
    assert owner_client.get("/console/rights/disclosures/").status_code == 403

    request = open_case(dpo, "restriction", contacts[1])
    fulfil(dpo, request)
    notify = f"/console/rights/requests/{request.pk}/recipients/"
    html = dpo_client.get(notify).content.decode()
    assert "Webbyrån AB" in html and "1 not told yet" in html
    notification = Notification.objects.get(request=request)
    marked = dpo_client.post(
        f"/console/rights/notifications/{notification.pk}/notified/",
        {"method": "letter", "next": notify},
    )
    assert marked.status_code == 303 and marked["Location"] == notify
    notification.refresh_from_db()
    assert notification.done and notification.method == "letter"
    assert "not told yet" not in dpo_client.get(notify).content.decode()


def test_the_request_page_include_renders_with_the_context_function(world):
    *_, dpo, contacts = world
    recipient = recipients.create_recipient(SYSTEM, "Inkludera AB", "processor")
    recipients.record_disclosure(
        SYSTEM, recipient, [contacts[0].subject_id], ["user.name"], CR, "export"
    )
    request = open_case(dpo, "erasure", contacts[0])
    html = render_to_string("dsr/rights/_recipients.html", recipients.context(request))
    assert "Inkludera AB" in html and "Mark told" in html
    mark = recipients.to_notify(request)[0]
    recipients.mark_notified(actor_for(dpo), mark, "impossible")
    html = render_to_string("dsr/rights/_recipients.html", recipients.context(request))
    assert "impossible or disproportionate" in html
