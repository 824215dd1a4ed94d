"""The register through the API: the whole flow, deadlines and flags, errors, access."""

from __future__ import annotations

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from lethe.dsr import fulfilment, register
from lethe.dsr.models import Request
from tests.conftest import ALL
from tests.helpers import client_with, post

pytestmark = pytest.mark.django_db(databases=ALL)

URL = "/api/v1/dsr"


def _create(client, world, **extra):
    body = {
        "kind": "access",
        "identified_by": "email",
        "email": world.person["email"][0],
        "note": "Came by letter",
        **extra,
    }
    return post(client, URL, body)


def test_a_request_is_answered_end_to_end_through_the_api(world, dpo_user, handled):
    client, user = dpo_user
    created = _create(client, world)
    assert created.status_code == 201, created.content
    request = created.json()
    assert request["status"] == "received" and request["source"] == "api"
    assert request["due_on"] == str(register.deadlines.due_on(timezone.localdate()))
    path = f"{URL}/{request['id']}"
    verified = post(client, f"{path}/verify", {"method": "identity_document", "note": "Pass"})
    assert verified.status_code == 200 and verified.json()["status"] == "verified"
    located = post(client, f"{path}/locate")
    assert located.status_code == 200, located.content
    subjects = located.json()["subjects"]
    assert [s["subject"] for s in subjects] == [str(world.contact.subject_id)]
    assert subjects[0]["matched"] == ["email"] and subjects[0]["counts"]["activity"] == 3
    confirmed = post(client, f"{path}/confirm", {"subjects": [subjects[0]["subject"]]})
    assert confirmed.json()["confirmed"] == 1
    today = timezone.localdate().isoformat()
    extended = post(client, f"{path}/extend", {"months": 1, "reason": "Many", "told_on": today})
    assert extended.status_code == 200
    assert extended.json()["deadline"] == extended.json()["extended_due_on"]
    assert post(client, f"{path}/assign", {"assignee": user.pk}).json()["assignee"] == user.pk
    plan = client.get(f"{path}/plan")
    assert plan.json() == {"needed": False, "plan": None}
    fulfilled = post(client, f"{path}/fulfil")
    assert fulfilled.status_code == 200, fulfilled.content
    assert fulfilled.json()["status"] == "completed"
    assert fulfilled.json()["outcome"] == {"report": f"test-{request['id']}"}
    assert handled == [(f"dsr:{request['id']}", [str(world.contact.subject_id)])]
    read = client.get(path).json()
    assert [s["step"] for s in read["steps"]] == [
        "received",
        "verified",
        "located",
        "confirmed",
        "extended",
        "assigned",
        "fulfilment_started",
        "completed",
    ]
    # Closed: its case is closed, so the identifiers and notes stay sealed.
    assert read["identifiers"] is None
    assert read["steps"][0]["note"] is None and read["steps"][0]["sealed"] is True


def test_an_open_request_shows_its_identifiers_notes_and_holdings_to_the_dpo(world, dpo_user):
    client, _ = dpo_user
    request = _create(client, world).json()
    post(client, f"{URL}/{request['id']}/locate")
    read = client.get(f"{URL}/{request['id']}").json()
    assert read["identifiers"] == {"email": world.person["email"][0]}
    assert read["steps"][0]["note"] == "Came by letter"
    [subject] = read["subjects"]
    assert subject["confirmed"] is False and subject["matched"] == ["email"]
    kinds = {h["kind"] for h in subject["holdings"]}
    assert {"contact", "deal", "activity", "attachment", "custom_field", "audit_event"} <= kinds


def test_the_list_is_sorted_by_deadline_and_flags_overdue_and_due_soon(dpo_user, dpo):
    client, _ = dpo_user
    today = timezone.localdate()
    # Received 40, 26 and 2 days ago: overdue, due within 7 days, on time.
    made = {
        days: register.open_request(
            dpo,
            "access",
            "email",
            {"email": f"p{days}@example.org"},
            received_on=today - datetime.timedelta(days=days),
        ).pk
        for days in (2, 40, 26)
    }
    closed = register.open_request(
        dpo, "erasure", "email", {"email": "c@example.org"}, received_on=today
    )
    register.refuse(dpo, closed, "Unfounded")
    listed = client.get(URL, {"open": "true"}).json()
    assert [r["id"] for r in listed["results"]] == [made[40], made[26], made[2]]
    assert [r["flag"] for r in listed["results"]] == ["overdue", "due-soon", ""]
    everything = client.get(URL).json()["results"]
    assert {r["id"] for r in everything} == {*made.values(), closed.pk}
    assert [r["id"] for r in client.get(URL, {"status": "refused"}).json()["results"]] == [
        closed.pk
    ]
    assert client.get(URL, {"kind": "erasure", "open": "true"}).json()["count"] == 0


def test_the_list_costs_the_same_queries_for_many_requests(dpo_user, dpo):
    client, _ = dpo_user
    register.open_request(dpo, "access", "email", {"email": "a@example.org"})
    with CaptureQueriesContext(connection) as one:
        assert client.get(URL).status_code == 200
    for n in range(5):
        register.open_request(dpo, "erasure", "email", {"email": f"b{n}@example.org"})
    with CaptureQueriesContext(connection) as six:
        assert client.get(URL).json()["count"] == 6
    assert len(six) == len(one)


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"kind": "complaint"}, "kind"),
        ({"identified_by": "shoe_size"}, "identified_by"),
        ({"email": "not an address"}, "email"),
        ({"identified_by": "phone"}, "phone"),
        ({"received_on": "2999-01-01"}, "received_on"),
        ({"received_on": "yesterday"}, "received_on"),
        ({"emial": "typo@example.org"}, "emial"),
    ],
)
def test_unknown_or_bad_values_are_400s_naming_the_field(world, dpo_user, body, field):
    client, _ = dpo_user
    response = _create(client, world, **body)
    assert response.status_code == 400, response.content
    assert field in response.json()["errors"]
    assert not Request.objects.exists()


def test_steps_on_a_closed_request_and_bad_steps_are_400s_naming_the_field(world, dpo_user):
    client, _ = dpo_user
    request = _create(client, world, received_on="2020-01-01").json()
    path = f"{URL}/{request['id']}"
    late = post(client, f"{path}/extend", {"months": 1, "reason": "x", "told_on": "2020-03-01"})
    assert late.status_code == 400 and "told_on" in late.json()["errors"]
    ok = post(client, f"{path}/extend", {"months": 2, "reason": "x", "told_on": "2020-01-20"})
    assert ok.status_code == 200 and ok.json()["extended_due_on"] == "2020-04-01"
    again = post(client, f"{path}/extend", {"months": 1, "reason": "y", "told_on": "2020-01-21"})
    assert again.status_code == 400 and "months" in again.json()["errors"]
    wrong = post(client, f"{path}/verify", {"method": "gut feeling"})
    assert "method" in wrong.json()["errors"]
    stranger = post(client, f"{path}/confirm", {"subjects": [str(world.contact.subject_id)]})
    assert "subjects" in stranger.json()["errors"]
    assert "subjects.0" in post(client, f"{path}/confirm", {"subjects": ["x"]}).json()["errors"]
    assert "assignee" in post(client, f"{path}/assign", {"assignee": 999999}).json()["errors"]
    assert post(client, f"{path}/refuse", {"reason": "Unfounded"}).json()["status"] == "refused"
    for action, body in (
        ("verify", {"method": "bankid"}),
        ("locate", None),
        ("wait", None),
        ("close", None),
        ("refuse", {"reason": "again"}),
        ("fulfil", None),
    ):
        response = post(client, f"{path}/{action}", body)
        assert response.status_code == 400, action
        assert set(response.json()["errors"]) == {"status"}, action


def test_fulfilling_a_kind_without_a_handler_is_a_400_naming_kind(world, dpo_user, monkeypatch):
    monkeypatch.delitem(fulfilment.HANDLERS, "objection", raising=False)
    client, _ = dpo_user
    request = _create(client, world, kind="objection").json()
    response = post(client, f"{URL}/{request['id']}/fulfil")
    assert response.status_code == 400 and "kind" in response.json()["errors"]


def test_fulfilling_needs_a_fresh_password_in_a_session(world, handled):
    client, _ = client_with("dpo", "stale-dpo")
    request = _create(client, world).json()
    response = post(client, f"{URL}/{request['id']}/fulfil")
    assert response.status_code == 403 and "reauthenticate" in response.json()


@pytest.mark.parametrize("role", [None, "sales", "support", "marketing", "finance", "auditor"])
def test_other_roles_are_refused_every_endpoint(world, dpo, role):
    request = register.open_request(dpo, "access", "email", {"email": world.person["email"][0]})
    client, _ = client_with(role, f"not-dpo-{role}", fresh=True)
    assert client.get(URL).status_code == 403
    assert client.get(f"{URL}/{request.pk}").status_code == 403
    assert post(client, URL, {"kind": "access", "identified_by": "email"}).status_code == 403
    assert post(client, f"{URL}/{request.pk}/locate").status_code == 403
    assert not request.subjects.exists()


def test_an_admin_who_may_not_read_is_refused_too(world, dpo):
    client, _ = client_with("admin", "the-admin", fresh=True)
    request = register.open_request(dpo, "access", "email", {"email": world.person["email"][0]})
    response = client.get(f"{URL}/{request.pk}")
    assert response.status_code == 403
    assert world.person["email"][0] not in response.content.decode()


def test_an_unknown_request_is_a_404(dpo_user):
    client, _ = dpo_user
    assert client.get(f"{URL}/424242").status_code == 404
    assert post(client, f"{URL}/424242/locate").status_code == 404


def test_a_dpo_reads_the_person_only_inside_the_open_case(world, dpo_user):
    client, _ = dpo_user
    contact = f"/api/v1/contacts/{world.contact.pk}"
    other = f"/api/v1/contacts/{world.other_contact.pk}"
    outside = client.get(contact).json()["fields"]
    assert outside["last_name"] == {"masked": True, "category": "user.name"}
    request = _create(client, world).json()
    case = {"HTTP_X_LETHE_CASE": request["case"]}
    # In the case but not yet located: still nothing.
    assert client.get(contact, **case).json()["fields"]["last_name"]["masked"] is True
    post(client, f"{URL}/{request['id']}/locate")
    assert client.get(contact, **case).json()["fields"]["last_name"] == world.person["last_name"]
    assert client.get(other, **case).json()["fields"]["last_name"]["masked"] is True
    assert client.get(contact).json()["fields"]["last_name"]["masked"] is True
    post(client, f"{URL}/{request['id']}/close", {"note": "Answered by phone"})
    assert client.get(contact, **case).json()["fields"]["last_name"]["masked"] is True
