"""Activities API: every kind, masks, mentions, errors naming the field, no per-row queries."""

import datetime

import pytest
from django.db import connections
from django.test.utils import CaptureQueriesContext

from lethe.activities.models import Activity, ActivityMention, ActivityParticipant
from lethe.audit.models import AuditEvent
from lethe.core.models import Change
from lethe.vault.models import Document
from tests.activities.conftest import contact_of
from tests.conftest import ALL
from tests.helpers import client_with as signed_in
from tests.helpers import patch, post

pytestmark = pytest.mark.django_db(databases=ALL)

URL = "/api/v1/activities"


def test_a_salesperson_logs_every_kind_about_their_contact_and_reads_it_back(company):
    client, user = signed_in("sales")
    contact = contact_of(user, first_name="Åsa", last_name="Öström", company=company)
    for kind in ("call", "email", "meeting", "note", "task"):
        body = {"kind": kind, "contact": contact.pk, "body": f"Om {kind}: ringde upp"}
        if kind == "task":
            body["due_date"] = "2030-01-31"
        response = post(client, URL, body)
        assert response.status_code == 201, response.json()
        out = response.json()
        assert out["kind"] == kind and out["body"] == f"Om {kind}: ringde upp"
        assert out["company"] == company.pk  # from the contact
        assert out["owner"] == user.pk
    listed = client.get(URL, {"contact": contact.pk}).json()
    assert listed["count"] == 5
    assert {r["kind"] for r in listed["results"]} == {"call", "email", "meeting", "note", "task"}
    task = client.get(URL, {"open_tasks": True}).json()["results"]
    assert [t["due_date"] for t in task] == ["2030-01-31"]


def test_another_salesperson_sees_the_business_fields_and_a_masked_text(company):
    _, owner = signed_in("sales")
    contact = contact_of(owner, last_name="Ägare", company=company)
    mine, _ = signed_in("sales", "mine")
    owner_client = mine
    owner_client.force_login(owner)
    created = post(owner_client, URL, {"kind": "call", "contact": contact.pk, "body": "hemligt"})
    other, _ = signed_in("sales", "other")
    out = other.get(f"{URL}/{created.json()['id']}").json()
    assert out["body"] == {"masked": True, "category": "user.content"}
    assert out["kind"] == "call" and out["contact"] == contact.pk


def test_company_and_deal_texts_are_under_their_record_key_and_readable_by_readers(company, deal):
    client, _ = signed_in("sales")
    on_company = post(client, URL, {"kind": "note", "company": company.pk, "body": "Om bolaget"})
    on_deal = post(client, URL, {"kind": "meeting", "deal": deal.pk, "body": "Om affären"})
    assert on_company.status_code == 201 and on_deal.status_code == 201
    assert on_deal.json()["company"] == company.pk
    docs = Document.objects.filter(activity__isnull=False)
    assert docs.count() == 2 and all(d.subject_id is None for d in docs)
    support, _ = signed_in("support")
    assert support.get(f"{URL}/{on_company.json()['id']}").json()["body"] == "Om bolaget"


def test_mentions_and_participants_are_stored_as_links_and_shown_as_names(company):
    client, user = signed_in("sales")
    about = contact_of(user, last_name="Huvud", company=company)
    named = contact_of(user, first_name="Nils", last_name="Nämnd", company=company)
    present = contact_of(user, first_name="Pia", last_name="Med", company=company)
    text = f"Pratade med @[contact:{named.pk}] om avtalet"
    response = post(
        client,
        URL,
        {"kind": "meeting", "contact": about.pk, "body": text, "participants": [present.pk]},
    )
    assert response.status_code == 201, response.json()
    out = response.json()
    assert out["body"] == text
    assert out["mentions"] == [
        {"contact": named.pk, "subject": str(named.subject_id), "name": "Nils Nämnd"}
    ]
    assert out["participants"][0]["name"] == "Pia Med"
    assert ActivityMention.objects.get().subject_id == named.subject_id
    assert ActivityParticipant.objects.get().subject_id == present.subject_id
    stored = bytes(Document.objects.get().ciphertext)
    assert b"avtalet" not in stored and b"N\xc3\xa4mnd" not in stored


def test_update_changes_the_text_and_mentions_and_complete_reopen_a_task(company):
    client, user = signed_in("sales")
    contact = contact_of(user, last_name="Uppdatera", company=company)
    other = contact_of(user, last_name="Annan", company=company)
    created = post(
        client,
        URL,
        {"kind": "task", "contact": contact.pk, "due_date": "2030-02-01", "body": "Ring"},
    ).json()
    path = f"{URL}/{created['id']}"
    out = patch(client, path, {"body": f"Ring @[contact:{other.pk}]"}).json()
    assert out["body"] == f"Ring @[contact:{other.pk}]" and len(out["mentions"]) == 1
    assert Document.objects.count() == 1
    done = post(client, f"{path}/complete").json()
    assert done["done"] is True
    assert post(client, f"{path}/reopen").json()["done"] is False
    out = patch(client, path, {"kind": "call"}).json()
    assert out["kind"] == "call" and out["due_date"] is None
    assert post(client, f"{path}/complete").status_code == 400
    assert post(client, f"{path}/archive").json()["archived"] is True
    assert client.get(URL).json()["count"] == 0
    assert post(client, f"{path}/restore").json()["archived"] is False
    changed = Change.objects.filter(record_kind="activity", record_id=created["id"])
    assert {"kind", "done_at", "archived_at"} <= set(changed.values_list("field", flat=True))
    out = patch(client, path, {"contact": None, "company": company.pk}).json()
    assert out["body"] == f"Ring @[contact:{other.pk}]"
    assert Document.objects.get().subject_id is None  # moved to the company's key


def test_delete_destroys_the_text(company):
    client, user = signed_in("sales")
    contact = contact_of(user, last_name="Bort", company=company)
    created = post(client, URL, {"kind": "note", "contact": contact.pk, "body": "x"}).json()
    assert client.delete(f"{URL}/{created['id']}").status_code == 204
    assert not Activity.objects.exists() and not Document.objects.exists()
    assert AuditEvent.objects.filter(record_kind="activity", action="delete").count() == 1


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"contact": 1}, "kind"),
        ({"kind": "chat", "contact": 1}, "kind"),
        ({"kind": "call"}, "contact"),
        ({"kind": "call", "contact": 999999}, "contact"),
        ({"kind": "call", "company": 999999}, "company"),
        ({"kind": "call", "deal": "x"}, "deal"),
        ({"kind": "call", "contact": 1, "owner": 999999}, "owner"),
        ({"kind": "call", "contact": 1, "body": "x" * 10_001}, "body"),
        ({"kind": "call", "contact": 1, "body": 5}, "body"),
        ({"kind": "call", "contact": 1, "body": "hej @[kontakt:1]"}, "body"),
        ({"kind": "call", "contact": 1, "body": "hej @[contact:999999]"}, "body"),
        ({"kind": "call", "contact": 1, "participants": [999999]}, "participants"),
        ({"kind": "call", "contact": 1, "participants": "1"}, "participants"),
        ({"kind": "task", "contact": 1}, "due_date"),
        ({"kind": "call", "contact": 1, "due_date": "2030-01-01"}, "due_date"),
        ({"kind": "task", "contact": 1, "due_date": "tomorrow"}, "due_date"),
        ({"kind": "call", "contact": 1, "occurred_at": "igår"}, "occurred_at"),
    ],
)
def test_bad_input_is_a_400_naming_the_field_and_writes_nothing(body, field):
    client, user = signed_in("sales")
    contact = contact_of(user, last_name="Fel")
    body = {k: (contact.pk if v == 1 and k == "contact" else v) for k, v in body.items()}
    if "participants" in body and body["participants"] == [1]:
        body["participants"] = [contact.pk]
    before = AuditEvent.objects.count()
    response = post(client, URL, body)
    assert response.status_code == 400, response.json()
    assert field in response.json()["errors"], response.json()
    assert not Activity.objects.exists() and not Document.objects.exists()
    assert AuditEvent.objects.count() == before


def test_bad_updates_are_400s_and_change_nothing(company):
    client, user = signed_in("sales")
    contact = contact_of(user, last_name="Ändra", company=company)
    created = post(client, URL, {"kind": "note", "contact": contact.pk, "body": "före"}).json()
    path = f"{URL}/{created['id']}"
    for body, field in (
        ({"kind": "visit"}, "kind"),
        ({"contact": None, "company": None}, "contact"),
        ({"body": "x" * 10_001}, "body"),
        ({"body": "@[contact:0]"}, "body"),
        ({"occurred_at": None}, "occurred_at"),
        ({"kind": "task"}, "due_date"),
    ):
        response = patch(client, path, body)
        assert response.status_code == 400 and field in response.json()["errors"], body
    assert client.get(path).json()["body"] == "före"
    assert patch(client, f"{URL}/999999", {"kind": "call"}).status_code == 404


def test_bad_list_filters_are_400s():
    client, _ = signed_in("sales")
    assert "kind" in client.get(URL, {"kind": "chat"}).json()["errors"]
    assert "purpose" in client.get(URL, {"purpose": "curiosity"}).json()["errors"]
    assert client.get(URL, {"due_before": "soon"}).status_code == 400


def test_writing_about_someone_elses_contact_is_refused_and_audited(company):
    _, owner = signed_in("sales")
    contact = contact_of(owner, last_name="Främmande", company=company)
    other, _ = signed_in("sales", "other")
    response = post(other, URL, {"kind": "call", "contact": contact.pk, "body": "x"})
    assert response.status_code == 403
    assert not Activity.objects.exists() and not Document.objects.exists()
    assert AuditEvent.objects.filter(action="access_denied").exists()


def test_the_list_costs_the_same_queries_for_2_or_20_activities(company, deal):
    client, user = signed_in("sales")
    contacts = [contact_of(user, last_name=f"Lista{i}", company=company) for i in range(3)]

    def add(n):
        for i in range(n):
            c = contacts[i % 3]
            post(
                client,
                URL,
                {
                    "kind": "note" if i % 2 else "call",
                    "contact": c.pk if i % 3 else None,
                    "deal": deal.pk,
                    "body": f"text {i} @[contact:{contacts[0].pk}]",
                    "participants": [contacts[1].pk],
                    "occurred_at": (
                        datetime.datetime(2026, 1, 1, tzinfo=datetime.UTC)
                        + datetime.timedelta(hours=i)
                    ).isoformat(),
                },
            )

    add(3)
    client.get(URL)
    with CaptureQueriesContext(connections["default"]) as few:
        assert client.get(URL).json()["count"] == 3
    add(17)
    with CaptureQueriesContext(connections["default"]) as many:
        assert client.get(URL).json()["count"] == 20
    assert len(many.captured_queries) == len(few.captured_queries)


def test_unknown_activities_are_404s():
    client, _ = signed_in("sales")
    assert client.get(f"{URL}/999999").status_code == 404
    for action in ("complete", "reopen", "archive", "restore"):
        assert post(client, f"{URL}/999999/{action}").status_code == 404
    assert client.delete(f"{URL}/999999").status_code == 404


def test_text_about_someone_elses_contact_cannot_be_deleted_or_changed(company):
    client, owner = signed_in("sales")
    contact = contact_of(owner, last_name="Skyddad", company=company)
    created = post(client, URL, {"kind": "note", "contact": contact.pk, "body": "kvar"}).json()
    other, _ = signed_in("sales", "other")
    path = f"{URL}/{created['id']}"
    assert other.delete(path).status_code == 403
    assert patch(other, path, {"body": "ändrad"}).status_code == 403
    assert patch(other, path, {"contact": None, "company": company.pk}).status_code == 400
    assert client.get(path).json()["body"] == "kvar"
    assert Activity.objects.count() == 1 and Document.objects.count() == 1
    assert patch(other, path, {"kind": "call"}).json()["kind"] == "call"  # business fields


def test_participants_are_replaced_and_naming_still_finds_archived_activities(company):
    from lethe.activities.queries import naming

    client, user = signed_in("sales")
    one, two = (contact_of(user, last_name=n, company=company) for n in ("Ett", "Två"))
    created = post(
        client, URL, {"kind": "meeting", "company": company.pk, "participants": [one.pk]}
    ).json()
    path = f"{URL}/{created['id']}"
    out = patch(client, path, {"participants": [two.pk]}).json()
    assert [p["contact"] for p in out["participants"]] == [two.pk]
    post(client, f"{path}/archive")
    assert list(naming([two.subject_id]).values_list("pk", flat=True)) == [created["id"]]
    assert not naming([one.subject_id]).exists()


def test_a_company_note_mentioning_someone_elses_contact_masks_only_the_name(company):
    client, owner = signed_in("sales")
    contact = contact_of(owner, first_name="Dold", last_name="Person", company=company)
    post(
        client, URL, {"kind": "note", "company": company.pk, "body": f"@[contact:{contact.pk}] ok"}
    )
    other, _ = signed_in("sales", "other")
    [row] = other.get(URL).json()["results"]
    assert row["body"] == f"@[contact:{contact.pk}] ok"
    assert row["mentions"][0]["name"] == {"masked": True, "category": "user.name"}


@pytest.mark.parametrize(
    ("field", "value"),
    [("due_date", ["2030-01-01"]), ("occurred_at", 20300101), ("kind", {"a": 1}), ("body", [])],
)
def test_a_value_of_the_wrong_shape_is_a_400_naming_the_field_not_a_crash(company, field, value):
    client, _ = signed_in("sales")
    body = {"kind": "task", "company": company.pk, "due_date": "2030-01-01", field: value}
    response = post(client, URL, body)
    assert response.status_code == 400
    assert list(response.json()["errors"]) == [field]
    assert not Activity.objects.exists()
