"""Activity pages: the contact timeline and its log form, the company page, my open tasks."""

import datetime

import pytest
from django.db import connections
from django.test.utils import CaptureQueriesContext

from lethe.activities import actions, queries
from lethe.activities.models import Activity
from lethe.audit.models import AuditEvent
from lethe.contacts.actions import update_contact
from lethe.vault import gate
from lethe.vault.models import Document
from lethe.vault.policy import Actor, Purpose, Role
from tests.activities.conftest import SYSTEM, contact_of
from tests.conftest import actor
from tests.helpers import client_with as signed_in

pytestmark = pytest.mark.django_db(databases=["default", "keystore"])

CR = Purpose.CUSTOMER_RELATIONSHIP
HTMX = {"HTTP_HX_REQUEST": "true"}


def log(client, contact, **data):
    return client.post(f"/activities/contact/{contact.pk}/log/", data)


@pytest.mark.parametrize("kind", ["call", "email", "meeting", "task", "note"])
def test_logging_from_the_contact_page_without_javascript_redirects_to_the_timeline(kind, company):
    client, user = signed_in("sales")
    contact = contact_of(user, first_name="Åsa", last_name="Öström", company=company)
    due = {"due_date": "2030-03-01"} if kind == "task" else {}
    response = log(client, contact, kind=kind, body=f"Samtal om {kind}", **due)
    assert response.status_code == 303
    assert response["Location"] == f"/contacts/{contact.pk}/#activities"
    html = client.get(response["Location"]).content.decode()
    assert f"Samtal om {kind}" in html
    assert Activity.objects.get().kind == kind


def test_with_htmx_the_timeline_fragment_comes_back(company):
    client, user = signed_in("sales")
    contact = contact_of(user, last_name="Htmx", company=company)
    response = client.post(
        f"/activities/contact/{contact.pk}/log/", {"kind": "note", "body": "Via htmx"}, **HTMX
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert html.lstrip().startswith('<section id="activities"') and "Via htmx" in html
    assert "<html" not in html


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"kind": "chat"}, "kind", "Select a valid choice"),
        ({"kind": "task"}, "due_date", "give a task a due date"),
        ({"kind": "call", "due_date": "2030-01-01"}, "due_date", "only tasks"),
        ({"kind": "call", "occurred_at": "igår"}, "occurred_at", "Enter a valid date/time"),
        ({"kind": "call", "body": "x" * 10_001}, "body", "at most 10000"),
        ({"kind": "call", "body": "@[kontakt:1]"}, "body", "is not a mention"),
        ({"kind": "call", "body": "@[contact:999999]"}, "body", "no contact to mention"),
        ({"kind": "call", "deal": "999999"}, "deal", "no deal with this id"),
        ({"kind": "call", "participants": ["999999"]}, "participants", "no contact with id"),
    ],
)
def test_a_bad_form_shows_the_error_next_to_the_field_and_writes_nothing(
    data, field, message, company
):
    client, user = signed_in("sales")
    contact = contact_of(user, last_name="Fel", company=company)
    before = AuditEvent.objects.filter(record_kind="activity").count()
    for extra in ({}, HTMX):
        response = client.post(f"/activities/contact/{contact.pk}/log/", data, **extra)
        assert response.status_code == 400
        html = response.content.decode()
        assert f'id="{field}-error"' in html and message in html, html
    assert not Activity.objects.exists() and not Document.objects.exists()
    assert AuditEvent.objects.filter(record_kind="activity").count() == before


def test_someone_elses_contact_cannot_be_written_about_from_the_page(company):
    _, owner = signed_in("sales")
    contact = contact_of(owner, last_name="Annans", company=company)
    other, _ = signed_in("sales", "other")
    response = log(other, contact, kind="call", body="försök")
    assert response.status_code == 400 and "may not write notes" in response.content.decode()
    assert not Activity.objects.exists()
    readers, _ = signed_in("marketing")
    assert log(readers, contact, kind="call").status_code == 403


def test_the_timeline_masks_the_text_for_another_salesperson_and_shows_deals_and_changes(
    company, deal
):
    client, user = signed_in("sales")
    contact = contact_of(user, first_name="Ola", last_name="Ändrad", company=company)
    deal.contacts.add(contact)
    log(client, contact, kind="call", body="Hemlig anteckning")
    update_contact(SYSTEM, CR, contact, {"job_title": "Inköpschef"}, {})
    update_contact(SYSTEM, CR, contact, {"job_title": "VD"}, {})
    update_contact(Actor("user", str(user.pk), user.roles), CR, contact, {}, {"stage": "customer"})
    html = client.get(f"/contacts/{contact.pk}/").content.decode()
    assert "Hemlig anteckning" in html and "Licenser" in html
    assert f"by {user.email}: Stage, lead → customer" in html
    assert "Jobtitle, was Inköpschef" in html
    other, _ = signed_in("sales", "other")
    html = other.get(f"/contacts/{contact.pk}/").content.decode()
    assert "Hemlig anteckning" not in html and "Inköpschef" not in html
    assert "\N{LOCK} user.content" in html and "\N{LOCK} user.job_title" in html


def test_an_erased_person_reads_as_erased_in_text_and_mentions(company):
    client, user = signed_in("sales")
    erased = contact_of(user, first_name="Eva", last_name="Raderad", company=company)
    other = contact_of(user, first_name="Kvar", last_name="Blivande", company=company)
    log(client, erased, kind="note", body="Om Eva själv")
    log(client, other, kind="note", body=f"Träffade @[contact:{erased.pk}] igår")
    gate.shred(actor(Role.SYSTEM), erased.subject, reason="test")
    html = client.get(f"/contacts/{other.pk}/").content.decode()
    assert 'Träffade <span class="erased">[erased person]</span> igår' in html
    assert "Raderad" not in html
    html = client.get(f"/contacts/{erased.pk}/").content.decode()
    assert "Om Eva själv" not in html and '<span class="erased">erased</span>' in html


def test_a_script_in_the_text_is_escaped(company):
    client, user = signed_in("sales")
    contact = contact_of(user, last_name="Skript", company=company)
    log(client, contact, kind="note", body="<script>alert(1)</script>\nrad två")
    for path in (f"/contacts/{contact.pk}/", f"/companies/{company.pk}/"):
        html = client.get(path).content.decode()
        assert "<script>alert(1)" not in html
        assert "&lt;script&gt;alert(1)&lt;/script&gt;<br>rad två" in html


def test_the_company_page_lists_its_activities(company, deal):
    client, user = signed_in("sales")
    actions.create_activity(
        Actor("user", str(user.pk), frozenset({Role.SALES})),
        CR,
        {"kind": "meeting", "deal": deal, "company": company, "body": "Möte om licenser"},
    )
    html = client.get(f"/companies/{company.pk}/").content.decode()
    assert "Möte om licenser" in html and "Meeting" in html


def test_my_open_tasks_are_mine_overdue_first_and_done_removes_them(company):
    client, user = signed_in("sales")
    contact = contact_of(user, last_name="Uppgift", company=company)
    yesterday = datetime.date.today() - datetime.timedelta(days=1)
    log(client, contact, kind="task", body="Senare", due_date="2031-01-01")
    log(client, contact, kind="task", body="Försenad", due_date=yesterday.isoformat())
    someone, _ = signed_in("sales", "someone")
    html = someone.get("/activities/tasks/").content.decode()
    assert "Försenad" not in html and "No open tasks" in html
    html = client.get("/activities/tasks/").content.decode()
    assert html.index("Försenad") < html.index("Senare") and "Overdue" in html
    late = Activity.objects.get(due_date=yesterday)
    response = client.post(f"/activities/{late.pk}/done/", {"next": "/activities/tasks/"})
    assert response.status_code == 303 and response["Location"] == "/activities/tasks/"
    assert "Försenad" not in client.get("/activities/tasks/").content.decode()
    later = Activity.objects.get(due_date="2031-01-01")
    response = client.post(
        f"/activities/{later.pk}/done/", {"next": "https://evil.example/"}, **HTMX
    )
    assert response.status_code == 200 and response.content == b""
    assert Activity.objects.filter(done_at__isnull=True).count() == 0
    note = actions.create_activity(SYSTEM, CR, {"kind": "note", "company": company})
    assert client.post(f"/activities/{note.pk}/done/").status_code == 400


def test_an_unsafe_next_goes_to_the_tasks_page(company):
    client, _ = signed_in("sales")
    task = actions.create_activity(
        SYSTEM, CR, {"kind": "task", "company": company, "due_date": datetime.date(2030, 1, 1)}
    )
    response = client.post(f"/activities/{task.pk}/done/", {"next": "https://evil.example/"})
    assert response["Location"] == "/activities/tasks/"


def test_naming_finds_activities_by_contact_participant_and_mention(company):
    client, user = signed_in("sales")
    about, present, named, none = (
        contact_of(user, last_name=n, company=company) for n in ("Om", "Med", "Nämnd", "Ingen")
    )
    log(client, about, kind="call")
    log(client, none, kind="meeting", participants=[str(present.pk)])
    log(client, none, kind="note", body=f"se @[contact:{named.pk}]")
    by = {a.kind for a in queries.naming([about.subject_id])}
    assert by == {"call"}
    assert {a.kind for a in queries.naming([present.subject_id])} == {"meeting"}
    assert {a.kind for a in queries.naming([named.subject_id])} == {"note"}
    assert queries.naming([present.subject_id, named.subject_id]).count() == 2
    assert {a.kind for a in queries.naming([none.subject_id])} == {"meeting", "note"}


def test_the_text_is_never_stored_in_plaintext(company):
    client, user = signed_in("sales")
    contact = contact_of(user, last_name="Klartext", company=company)
    log(client, contact, kind="note", body="Hemligt lösenord ÖVERALLT")
    actions.create_activity(SYSTEM, CR, {"kind": "note", "company": company, "body": "Bolagstext"})
    with connections["default"].cursor() as cursor:
        cursor.execute("SELECT ciphertext FROM vault_document")
        stored = b"".join(bytes(row[0]) for row in cursor.fetchall())
    assert len(stored) > 40
    assert "ÖVERALLT".encode() not in stored and b"Bolagstext" not in stored


def _queries(client, path):
    client.get(path)
    with CaptureQueriesContext(connections["default"]) as captured:
        assert client.get(path).status_code == 200
    return len(captured.captured_queries)


def test_timeline_tasks_and_company_pages_cost_the_same_for_2_or_20_activities(company, deal):
    client, user = signed_in("sales")
    contact = contact_of(user, last_name="Räkna", company=company)
    colleague = contact_of(user, last_name="Kollega", company=company)

    def add(n):
        for i in range(n):
            log(
                client,
                contact,
                kind="task",
                due_date=f"2030-01-{i % 28 + 1:02d}",
                body=f"uppgift {i} @[contact:{colleague.pk}]",
                participants=[str(colleague.pk)],
                deal=str(deal.pk),
            )

    add(2)
    paths = [f"/contacts/{contact.pk}/", "/activities/tasks/", f"/companies/{company.pk}/"]
    few = [_queries(client, p) for p in paths]
    add(18)
    assert Activity.objects.count() == 20
    assert [_queries(client, p) for p in paths] == few


def test_the_log_page_without_javascript_and_unknown_ids(company):
    client, user = signed_in("sales")
    contact = contact_of(user, last_name="Sida", company=company)
    html = client.get(f"/activities/contact/{contact.pk}/log/").content.decode()
    assert "<h1>Log activity</h1>" in html and 'name="kind"' in html
    assert client.get("/activities/contact/999999/log/").status_code == 404
    assert client.post("/activities/999999/done/").status_code == 404
    reader, _ = signed_in("marketing")
    task = actions.create_activity(
        SYSTEM,
        CR,
        {"kind": "task", "company": company, "owner": user, "due_date": datetime.date(2030, 1, 1)},
    )
    assert reader.post(f"/activities/{task.pk}/done/").status_code == 403
    html = client.get("/activities/tasks/").content.decode()
    assert f"/activities/{task.pk}/done/" in html


def test_the_action_links_mentions_from_the_text_itself(company):
    _, user = signed_in("sales")
    named = contact_of(user, last_name="Länkad", company=company)
    activity = actions.create_activity(
        SYSTEM, CR, {"kind": "note", "company": company, "body": f"hej @[contact:{named.pk}]"}
    )
    assert list(queries.naming([named.subject_id])) == [activity]
    for body in ("@[contact:999999]", "@[vem:1]"):
        with pytest.raises(actions.ActivityError) as raised:
            actions.create_activity(SYSTEM, CR, {"kind": "note", "company": company, "body": body})
        assert raised.value.field == "body"
    assert Activity.objects.count() == 1 and Document.objects.count() == 1
