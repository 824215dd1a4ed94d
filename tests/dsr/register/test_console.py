"""The privacy console's pages: the flow through forms, deadlines in words, cases, access."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from lethe.dsr import cases, register
from lethe.dsr.models import Request
from tests.conftest import ALL
from tests.helpers import client_with

pytestmark = pytest.mark.django_db(databases=ALL)

DAY = datetime.timedelta(days=1)


def page(client, path: str) -> str:
    response = client.get(path)
    assert response.status_code == 200, (path, response.status_code)
    return response.content.decode()


def test_a_request_is_answered_end_to_end_through_the_console(world, dpo_user, handled):
    client, _ = dpo_user
    email = world.person["email"][0]
    assert "Data-subject requests" in page(client, "/console/")
    assert 'name="identified_by"' in page(client, "/console/requests/new/")
    created = client.post(
        "/console/requests/new/",
        {"kind": "access", "identified_by": "email", "email": email, "note": "By letter"},
    )
    request = Request.objects.get()
    assert created.status_code == 303 and created["Location"] == f"/console/requests/{request.pk}/"
    base = f"/console/requests/{request.pk}"
    shown = page(client, f"{base}/")
    assert email in shown and "By letter" in shown and "Nobody located yet" in shown
    assert client.post(f"{base}/verify/", {"method": "bankid"}).status_code == 303
    assert client.post(f"{base}/locate/", {}).status_code == 303
    located = page(client, f"{base}/")
    subject = str(world.contact.subject_id)
    assert f'value="{subject}"' in located  # its confirm checkbox
    assert world.person["last_name"] in located  # read inside the case, to compare
    assert "matched on email" in located and f"{world.mention_activity}" in located
    assert client.post(f"{base}/confirm/", {"subjects": [subject]}).status_code == 303
    today = timezone.localdate().isoformat()
    extended = client.post(f"{base}/extend/", {"months": "1", "reason": "Many", "told_on": today})
    assert extended.status_code == 303
    plan = page(client, f"{base}/fulfil/")
    assert "need no plan" in plan and "1 confirmed subject" in plan
    fulfilled = client.post(f"{base}/fulfil/")
    assert fulfilled.status_code == 303, fulfilled.content.decode()[:500]
    request.refresh_from_db()
    assert request.status == "completed" and request.outcome == {"report": f"test-{request.pk}"}
    assert handled == [(request.case, [subject])]
    closed = page(client, f"{base}/")
    assert "Sealed: the request is closed" in closed and email not in closed
    assert world.person["last_name"] not in closed and "By letter" not in closed
    steps = ["received", "verified", "located", "confirmed", "extended", "completed"]
    assert all(f"<td>{s}</td>" in closed for s in steps)


def test_the_list_and_the_home_show_deadlines_with_their_flags_in_words(dpo_user, dpo):
    client, _ = dpo_user
    today = timezone.localdate()
    late = register.open_request(
        dpo, "access", "email", {"email": "a@example.org"}, received_on=today - 40 * DAY
    )
    soon = register.open_request(
        dpo, "erasure", "email", {"email": "b@example.org"}, received_on=today - 26 * DAY
    )
    fine = register.open_request(dpo, "objection", "email", {"email": "c@example.org"})
    listed = page(client, "/console/requests/")
    rows = [listed.index(f'href="/console/requests/{r.pk}/"') for r in (late, soon, fine)]
    assert rows == sorted(rows)
    assert ">overdue</strong>" in listed and ">due within 7 days</strong>" in listed
    assert "a@example.org" not in listed
    home = page(client, "/console/")
    assert "1 overdue" in home and "1 due within 7 days" in home
    assert f"Request {late.pk}</a>" in home
    filtered = page(client, "/console/requests/?kind=objection")
    assert f"/console/requests/{fine.pk}/" in filtered and f"/requests/{late.pk}/" not in filtered
    assert client.get("/console/requests/?kind=complaint").status_code == 400


def test_form_errors_are_shown_and_change_nothing(world, dpo_user, dpo):
    client, _ = dpo_user
    bad = client.post(
        "/console/requests/new/", {"kind": "access", "identified_by": "email", "email": "nope"}
    )
    assert bad.status_code == 400 and 'class="error"' in bad.content.decode()
    assert not Request.objects.exists()
    received = timezone.localdate() - 40 * DAY
    request = register.open_request(
        dpo, "access", "email", {"email": "x@example.org"}, received_on=received
    )
    base = f"/console/requests/{request.pk}"
    late = client.post(
        f"{base}/extend/",
        {"months": "1", "reason": "x", "told_on": timezone.localdate().isoformat()},
    )
    assert late.status_code == 400 and "within the first month" in late.content.decode()
    assert client.post(f"{base}/extend/", {"months": "5"}).status_code == 400
    assert client.post(f"{base}/refuse/", {"reason": ""}).status_code == 400
    request.refresh_from_db()
    assert request.extension_months == 0 and request.is_open
    assert client.post(f"{base}/refuse/", {"reason": "Unfounded"}).status_code == 303
    closed = client.post(f"{base}/verify/", {"method": "bankid"})
    assert closed.status_code == 400 and "the request is closed" in closed.content.decode()
    assert client.post(f"{base}/fulfil/").status_code == 400


def test_fulfilling_asks_for_the_password_again(world, dpo):
    client, _ = client_with("dpo", "stale-dpo")
    request = register.open_request(dpo, "access", "email", {"email": "x@example.org"})
    response = client.post(f"/console/requests/{request.pk}/fulfil/")
    assert response.status_code == 302 and response["Location"].startswith("/reauth/")
    assert client.get(f"/console/requests/{request.pk}/fulfil/").status_code == 200


def test_working_in_the_case_opens_the_crm_pages_for_its_people_only(world, dpo_user, dpo):
    client, _ = dpo_user
    name = world.person["last_name"]
    contact, other = f"/contacts/{world.contact.pk}/", f"/contacts/{world.other_contact.pk}/"
    assert name not in page(client, contact)
    request = register.open_request(dpo, "access", "email", {"email": world.person["email"][0]})
    register.locate_subjects(dpo, request)
    assert name not in page(client, contact)  # outside the case
    entered = client.post(f"/console/requests/{request.pk}/case/")
    assert entered.status_code == 303 and client.session[cases.SESSION_KEY] == request.case
    shown = page(client, contact)
    assert name in shown and "Working in case" in shown
    assert world.other["last_name"] not in page(client, other)
    left = client.post("/console/case/leave/", {"next": contact})
    assert left.status_code == 303 and left["Location"] == contact
    assert cases.SESSION_KEY not in client.session
    assert name not in page(client, contact)
    away = client.post("/console/case/leave/", {"next": "https://evil.example/"})
    assert away["Location"] == "/console/"


def test_a_closed_request_has_no_case_to_work_in(world, dpo_user, dpo):
    client, _ = dpo_user
    request = register.open_request(dpo, "access", "email", {"email": world.person["email"][0]})
    register.locate_subjects(dpo, request)
    client.post(f"/console/requests/{request.pk}/case/")
    register.close(dpo, request)
    assert world.person["last_name"] not in page(client, f"/contacts/{world.contact.pk}/")
    other = register.open_request(dpo, "access", "email", {"email": "y@example.org"})
    register.refuse(dpo, other, "Unfounded")
    client.post(f"/console/requests/{other.pk}/case/")
    assert client.session[cases.SESSION_KEY] == request.case  # unchanged


@pytest.mark.parametrize("role", [None, "sales", "support", "marketing", "finance", "auditor"])
def test_other_roles_get_403_on_every_console_page(world, dpo, role):
    request = register.open_request(dpo, "access", "email", {"email": world.person["email"][0]})
    client, _ = client_with(role, f"not-dpo-{role}", fresh=True)
    for path in ("/console/", "/console/requests/", f"/console/requests/{request.pk}/"):
        response = client.get(path)
        assert response.status_code == 403
        assert world.person["email"][0] not in response.content.decode()
    assert client.post(f"/console/requests/{request.pk}/locate/").status_code == 403
    assert client.post(f"/console/requests/{request.pk}/case/").status_code == 403
    assert not request.subjects.exists() and cases.SESSION_KEY not in client.session


def test_anonymous_visitors_are_sent_to_log_in(dpo):
    from django.test import Client

    response = Client().get("/console/requests/")
    assert response.status_code == 302 and response["Location"].startswith("/login/")


def test_the_console_home_takes_panels_from_other_features(dpo_user):
    from lethe.dsr import console

    client, _ = dpo_user
    console.panel("dsr/panels/requests.html", order=99)(lambda request: {"open": 4242})
    try:
        assert "4242" in page(client, "/console/")
    finally:
        console.panel("dsr/panels/requests.html", order=10)(console.requests_panel)


def test_the_console_home_shows_break_glass_retention_and_records_panels():
    from lethe.accounts.models import RoleGrant, User
    from lethe.dsr import breakglass
    from lethe.vault.policy import Actor, Role

    client, _ = client_with(Role.DPO, "panels", fresh=True)
    html = client.get("/console/").content.decode()
    assert "No break-glass access is open" in html
    assert "Due for retention today" in html and "/console/retention/" in html
    other = User.objects.create_user("glass-panel@lethe.example", "a long test password 1")
    RoleGrant.objects.create(user=other, role=Role.DPO)
    breakglass.start(Actor.system("tests"), other, "Checking a complaint about a wrong address", 30)
    html = client.get("/console/").content.decode()
    assert "1 break-glass access open" in html and "glass-panel@lethe.example" in html
