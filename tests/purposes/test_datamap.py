"""The data map in the privacy console: generated entries, manual entries for stores
outside Lethe (with owners and review dates), and its CSV and JSON exports."""

import csv
import datetime
import io
import json

import pytest
from django.utils import timezone

from lethe.audit.models import AuditEvent
from lethe.purposes import datamap
from lethe.purposes.models import ManualEntry, Purpose
from tests.conftest import ALL
from tests.helpers import client_with

pytestmark = pytest.mark.django_db(databases=ALL)


def entry_form(owner, **changes) -> dict:
    form = {
        "name": "Trade fair leads 2025",
        "location": "Sales team's shared drive, leads.xlsx",
        "description": "Names and e-mail addresses collected at the fair.",
        "data_categories": ["user.name", "user.contact.email"],
        "purposes": [Purpose.objects.get(key="customer_relationship").pk],
        "retention": "Deleted once the leads are entered in Lethe.",
        "owner": owner.pk,
        "review_on": "2031-06-30",
    }
    form.update(changes)
    return form


def test_the_map_lists_each_field_with_where_it_is_kept_and_who_reads_it():
    entries = {e.name: e for e in datamap.build().entries}
    email = entries["email"]
    places = {(str(loc.store), loc.where) for loc in email.locations}
    assert ("main database", "vault_personalvalue.ciphertext") in places
    assert ("main database", "vault_blindindex.value") in places
    assert ("keystore", "keystore_datakey.wrapped") in places
    assert "export store" in email.stores and "backups" in email.stores
    assert any(r.startswith("marketing (direct_marketing") for r in email.readers)
    assert not any(r.startswith("sales") for r in entries["identity_number"].readers)
    files = entries["attachments.Attachment.blob"]
    assert ("attachment store", "<data dir>/attachments/<blob>") in {
        (str(loc.store), loc.where) for loc in files.locations
    }
    outbox = entries["accounts.User.email"]
    assert "e-mail outbox" in outbox.stores and outbox.readers == ["admin"]
    assert entries["audit.AuditEvent.client_addr"].categories == ("user.device.ip_address",)


@pytest.mark.parametrize("role", ["dpo", "auditor", "admin"])
def test_the_console_shows_the_map(role):
    client, _ = client_with(role)
    page = client.get("/console/data-map/").content.decode()
    assert "vault_personalvalue.ciphertext" in page
    assert "Art. 6(1)(a) consent" in page
    assert 'id="problems"' not in page
    assert ("Add a store outside Lethe" in page) == (role != "auditor")


def test_an_editor_adds_changes_and_removes_a_store_outside_lethe():
    client, user = client_with("admin")
    response = client.post("/console/data-map/entries/new/", entry_form(user))
    assert response.status_code == 302, response.content.decode()[:3000]
    entry = ManualEntry.objects.get()
    assert entry.owner == user and entry.data_categories == ["user.name", "user.contact.email"]
    page = client.get("/console/data-map/").content.decode()
    assert "Trade fair leads 2025" in page and "2031-06-30" in page
    response = client.post(
        f"/console/data-map/entries/{entry.pk}/", entry_form(user, review_on="2032-01-31")
    )
    assert response.status_code == 302
    entry.refresh_from_db()
    assert entry.review_on == datetime.date(2032, 1, 31)
    client.post(f"/console/data-map/entries/{entry.pk}/delete/")
    assert not ManualEntry.objects.exists()
    events = AuditEvent.objects.filter(record_kind="data_map_entry").order_by("seq")
    assert [(e.action, e.record_id) for e in events] == [
        ("create", str(entry.pk)),
        ("update", str(entry.pk)),
        ("delete", str(entry.pk)),
    ]
    assert events[1].detail == {"changed": ["review_on"]}
    assert "leads.xlsx" not in json.dumps([e.detail for e in events])


def test_a_bad_entry_is_shown_with_its_errors_and_saves_nothing():
    client, user = client_with("dpo")
    response = client.post(
        "/console/data-map/entries/new/",
        entry_form(user, review_on="someday", data_categories=["user.shoe_size"], purposes=[]),
    )
    assert response.status_code == 400
    text = response.content.decode()
    assert "Enter a valid date." in text
    assert "Select a valid choice. user.shoe_size is not one of the available choices." in text
    assert text.count('class="field invalid"') == 3
    assert not ManualEntry.objects.exists()


def test_an_overdue_review_is_flagged():
    _, owner = client_with("sales", "binder-owner")
    overdue = ManualEntry.objects.create(
        name="Paper binder of signed forms",
        location="Office archive, shelf 3",
        data_categories=["user.name"],
        retention="Ten years.",
        owner=owner,
        review_on=timezone.localdate() - datetime.timedelta(days=1),
    )
    ManualEntry.objects.create(
        name="Shared inbox",
        location="info@ mailbox",
        data_categories=["user.contact.email"],
        retention="Two years.",
        owner=owner,
        review_on=timezone.localdate() + datetime.timedelta(days=30),
    )
    data_map = datamap.build()
    assert data_map.overdue == [overdue]
    client, _ = client_with("auditor")
    page = client.get("/console/data-map/").content.decode()
    assert "1 store outside Lethe is past its review date" in page
    assert page.count("overdue</strong>") == 1
    rows = {r["name"]: r for r in csv.DictReader(io.StringIO(datamap.to_csv(data_map)))}
    assert rows["Paper binder of signed forms"]["overdue"] == "True"
    assert rows["Shared inbox"]["overdue"] == "False"


def test_the_auditor_may_not_edit_manual_entries():
    client, user = client_with("auditor")
    assert client.get("/console/data-map/entries/new/").status_code == 403
    assert client.post("/console/data-map/entries/new/", entry_form(user)).status_code == 403
    assert not ManualEntry.objects.exists()


@pytest.mark.parametrize("fmt", ["csv", "json"])
def test_the_map_exports_every_entry(fmt):
    client, user = client_with("dpo")
    client.post("/console/data-map/entries/new/", entry_form(user))
    response = client.get(f"/console/data-map/export.{fmt}")
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment")
    text = response.content.decode()
    if fmt == "csv":
        rows = list(csv.DictReader(io.StringIO(text)))
    else:
        document = json.loads(text)
        rows = document["entries"]
        assert document["problems"] == []
    names = {r["name"] for r in rows}
    assert {"email", "activities.Activity.body", "Trade fair leads 2025"} <= names
    manual = next(r for r in rows if r["name"] == "Trade fair leads 2025")
    assert manual["source"] == "manual" and "customer_relationship" in str(manual["purposes"])
    for row in rows:
        assert row["categories"] and row["purposes"] and row["retention"], row["name"]
    event = AuditEvent.objects.filter(record_kind="data_map").last()
    assert (event.action, event.detail["format"]) == ("export", fmt)


def test_the_api_returns_the_map():
    client, _ = client_with("auditor")
    document = client.get("/api/v1/data-map").json()
    assert {s["store"] for s in document["stores"]} >= {"main database", "keystore", "logs"}
    assert any(e["name"] == "identity_number" for e in document["entries"])
