"""Break-glass: a DPO reads personal data outside a case only for a stated reason, for a
limited time, audited at start, at end and at every read, and shown in the console."""

import datetime
import json

import pytest
from django.template.loader import render_to_string
from django.utils import timezone

from lethe.accounts import tokens
from lethe.audit.models import Action, AuditEvent
from lethe.contacts.actions import create_contact
from lethe.dsr import breakglass, cases
from lethe.dsr.models import BreakGlass
from lethe.vault.models import Document
from lethe.vault.policy import Actor, Purpose
from tests.conftest import ALL
from tests.helpers import client_with, post

pytestmark = pytest.mark.django_db(databases=ALL)

SYSTEM = Actor.system("tests")
REASON = "Police request about a fraud case, reference 2031-77, see ticket 4411"
PAGE = "/console/break-glass/"
API = "/api/v1/break-glass"


@pytest.fixture
def person(people):
    """A contact with personal values nobody in these tests owns."""
    values = people(1, seed=41)[0]
    contact = create_contact(
        SYSTEM,
        Purpose.CUSTOMER_RELATIONSHIP,
        {"last_name": values["last_name"], "email": values["email"]},
        {},
    )
    return contact, values["last_name"], values["email"][0]


@pytest.fixture
def dpo():
    return client_with("dpo", "glass-dpo", fresh=True)


def start_on_the_page(client, reason=REASON, minutes="30"):
    return client.post(PAGE, {"reason": reason, "minutes": minutes})


def reads_of(contact):
    events = AuditEvent.objects.filter(action=Action.READ).order_by("seq")
    return [e for e in events if str(contact.subject_id) in e.subjects]


def test_a_dpo_outside_any_case_reads_nothing_personal(dpo, person):
    client, _ = dpo
    contact, name, mail = person
    page = client.get(f"/contacts/{contact.pk}/").content.decode()
    assert name not in page and mail not in page
    assert "user.name" in page  # shown as a masked category, never as a blank
    fields = client.get(f"/api/v1/contacts/{contact.pk}").json()["fields"]
    assert fields["last_name"] == {"masked": True, "category": "user.name"}


def test_inside_a_break_glass_reads_work_and_are_audited_under_its_case(dpo, person):
    client, user = dpo
    contact, name, mail = person
    response = start_on_the_page(client)
    assert response.status_code == 302 and response["Location"] == PAGE
    glass = BreakGlass.objects.get()
    assert glass.user == user and glass.active()
    assert glass.expires_at - glass.started_at == datetime.timedelta(minutes=30)
    assert client.session[cases.SESSION_KEY] == f"glass:{glass.pk}"
    page = client.get(f"/contacts/{contact.pk}/").content.decode()
    assert name in page and mail in page
    read = reads_of(contact)[-1]
    assert read.case_id == f"glass:{glass.pk}" and read.actor == f"user:{user.pk}"
    started = AuditEvent.objects.get(record_kind="break_glass", action=Action.CREATE)
    assert started.case_id == f"glass:{glass.pk}"
    assert started.detail["minutes"] == 30 and started.detail["break_glass"] == "started"


def test_the_reason_is_sealed_and_never_in_the_audit_log(dpo):
    client, _ = dpo
    start_on_the_page(client)
    glass = BreakGlass.objects.get()
    document = Document.objects.get(pk=glass.reason_id)
    assert document.record_key_id == glass.record_key_id
    assert b"fraud" not in bytes(document.ciphertext)
    for event in AuditEvent.objects.all():
        assert "fraud" not in json.dumps(event.detail)
    assert REASON in client.get(PAGE).content.decode()  # the DPOs' list opens it


def test_after_expiry_the_person_is_masked_again_and_the_end_is_audited(dpo, person):
    client, _ = dpo
    contact, name, _ = person
    start_on_the_page(client)
    glass = BreakGlass.objects.get()
    BreakGlass.objects.filter(pk=glass.pk).update(
        expires_at=timezone.now() - datetime.timedelta(seconds=1)
    )
    assert name not in client.get(f"/contacts/{contact.pk}/").content.decode()
    assert client.get(PAGE).status_code == 200  # the list notices the expiry
    glass.refresh_from_db()
    assert glass.ended_at == glass.expires_at
    ended = AuditEvent.objects.get(record_kind="break_glass", action=Action.UPDATE)
    assert ended.detail["break_glass"] == "expired" and ended.case_id == glass.case


def test_after_the_end_the_person_is_masked_again_even_with_the_old_case(dpo, person):
    client, user = dpo
    contact, name, _ = person
    start_on_the_page(client)
    glass = BreakGlass.objects.get()
    response = client.post(f"{PAGE}{glass.pk}/end/")
    assert response.status_code == 302
    assert cases.SESSION_KEY not in client.session
    assert name not in client.get(f"/contacts/{contact.pk}/").content.decode()
    session = client.session
    session[cases.SESSION_KEY] = glass.case
    session.save()
    assert name not in client.get(f"/contacts/{contact.pk}/").content.decode()
    ended = AuditEvent.objects.get(record_kind="break_glass", action=Action.UPDATE)
    assert ended.detail["break_glass"] == "ended" and ended.actor == f"user:{user.pk}"


@pytest.mark.parametrize("reason", ["", "too short", " " * 30, "x" * 19])
def test_a_short_reason_is_a_form_error_and_nothing_starts(dpo, reason):
    client, _ = dpo
    response = start_on_the_page(client, reason=reason)
    assert response.status_code == 400
    assert "Reason:" in response.content.decode()
    assert not BreakGlass.objects.exists()
    assert not AuditEvent.objects.filter(record_kind="break_glass").exists()


@pytest.mark.parametrize("minutes", ["0", "241", "-5", "abc"])
def test_a_time_limit_past_four_hours_is_a_form_error(dpo, minutes):
    client, _ = dpo
    response = start_on_the_page(client, minutes=minutes)
    assert response.status_code == 400 and "For (minutes):" in response.content.decode()
    assert not BreakGlass.objects.exists()


def test_the_time_limit_is_an_hour_unless_given(dpo):
    client, _ = dpo
    start_on_the_page(client, minutes="")
    glass = BreakGlass.objects.get()
    assert glass.expires_at - glass.started_at == datetime.timedelta(hours=1)


def test_starting_asks_for_the_password_first():
    client, _ = client_with("dpo", "unconfirmed")
    response = start_on_the_page(client)
    assert response.status_code == 302 and response["Location"].startswith("/reauth/")
    assert not BreakGlass.objects.exists()
    assert client.get(PAGE).status_code == 200  # reading the list does not ask


def test_a_second_one_while_the_first_is_open_is_refused(dpo):
    client, _ = dpo
    start_on_the_page(client)
    response = start_on_the_page(client)
    assert response.status_code == 400
    assert "is still open: end it first" in response.content.decode()
    assert BreakGlass.objects.count() == 1
    with pytest.raises(Exception, match="still open"):
        breakglass.start(SYSTEM, BreakGlass.objects.get().user, REASON, 10)


@pytest.mark.parametrize("role", [None, "sales", "support", "auditor", "admin", "finance"])
def test_only_a_dpo_opens_lists_or_ends_break_glass(dpo, role):
    dpo_client, _ = dpo
    start_on_the_page(dpo_client)
    glass = BreakGlass.objects.get()
    client, user = client_with(role, f"not-dpo-{role}", fresh=True)
    assert client.get(PAGE).status_code == 403
    assert start_on_the_page(client).status_code == 403
    assert client.post(f"{PAGE}{glass.pk}/end/").status_code == 403
    assert client.get(API).status_code == 403
    assert post(client, API, {"reason": REASON}).status_code == 403
    assert post(client, f"{API}/{glass.pk}/end").status_code == 403
    assert BreakGlass.objects.count() == 1 and BreakGlass.objects.get().active()
    with pytest.raises(PermissionError):
        breakglass.start(SYSTEM, user, REASON, 10)


def test_the_notice_lists_open_accesses_for_every_dpo_and_the_banner_shows_its_user(dpo):
    client, user = dpo
    other, _ = client_with("dpo", "other-dpo")
    start_on_the_page(client)
    glass = BreakGlass.objects.get()
    listed = other.get(PAGE).content.decode()
    assert f"#{glass.pk} by {user.email}" in listed and "1 break-glass access open" in listed
    notice = render_to_string(
        "dsr/_break_glass_notice.html",
        {"break_glass_accesses": breakglass.active_accesses()},
    )
    assert f"#{glass.pk} by {user.email}" in notice
    assert f"Break-glass access #{glass.pk} is open" in client.get("/contacts/").content.decode()
    assert "Break-glass access" not in other.get("/contacts/").content.decode()
    client.post(f"{PAGE}{glass.pk}/end/")
    assert breakglass.active_accesses() == []
    assert "break-glass access open" not in other.get(PAGE).content.decode()
    assert "is open" not in client.get("/contacts/").content.decode()


def test_another_dpo_may_end_it_and_the_end_names_them(dpo):
    client, _ = dpo
    other, other_user = client_with("dpo", "other-dpo")
    start_on_the_page(client)
    glass = BreakGlass.objects.get()
    assert other.post(f"{PAGE}{glass.pk}/end/").status_code == 302
    glass.refresh_from_db()
    assert glass.ended_at is not None
    ended = AuditEvent.objects.get(record_kind="break_glass", action=Action.UPDATE)
    assert ended.actor == f"user:{other_user.pk}"


# The API


@pytest.fixture
def bearer(dpo):
    _, user = dpo
    _token, secret = tokens.create(SYSTEM, user, "glass", scopes=["break-glass:write"])
    return {"HTTP_AUTHORIZATION": f"Bearer {secret}"}


def test_the_api_opens_one_and_the_case_header_reads_inside_it(bearer, person):
    from django.test import Client

    client = Client()
    contact, name, _ = person
    response = client.post(
        API,
        json.dumps({"reason": REASON, "minutes": 15}),
        content_type="application/json",
        **bearer,
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["case"] == f"glass:{body['id']}" and body["active"] and body["reason"] == REASON
    _, user = client_with("dpo", "api-reader")
    _t, secret = tokens.create(SYSTEM, BreakGlass.objects.get().user, "read", scopes=["all"])
    headers = {"HTTP_AUTHORIZATION": f"Bearer {secret}"}
    path = f"/api/v1/contacts/{contact.pk}"
    assert client.get(path, **headers).json()["fields"]["last_name"]["masked"]
    inside = client.get(path, HTTP_X_LETHE_CASE=body["case"], **headers)
    assert inside.json()["fields"]["last_name"] == name
    assert reads_of(contact)[-1].case_id == body["case"]
    # Another DPO cannot borrow the case.
    _t, theirs = tokens.create(SYSTEM, user, "other", scopes=["all"])
    borrowed = client.get(
        path, HTTP_X_LETHE_CASE=body["case"], HTTP_AUTHORIZATION=f"Bearer {theirs}"
    )
    assert borrowed.json()["fields"]["last_name"]["masked"]
    listed = client.get(API, **bearer).json()
    assert [g["id"] for g in listed] == [body["id"]] and listed[0]["active"]
    ended = client.post(f"{API}/{body['id']}/end", **bearer)
    assert ended.status_code == 200 and not ended.json()["active"]
    assert client.get(path, HTTP_X_LETHE_CASE=body["case"], **headers).json()["fields"][
        "last_name"
    ]["masked"]
    assert client.get(f"{API}?active=true", **bearer).json() == []


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({}, "reason"),
        ({"reason": "short"}, "reason"),
        ({"reason": 12345678901234567890123}, "reason"),
        ({"reason": REASON, "minutes": 241}, "minutes"),
        ({"reason": REASON, "minutes": "soon"}, "minutes"),
    ],
)
def test_a_bad_api_request_is_a_400_naming_the_field(dpo, body, field):
    client, _ = dpo
    response = post(client, API, body)
    assert response.status_code == 400
    assert list(response.json()["errors"]) == [field]
    assert not BreakGlass.objects.exists()


def test_a_second_one_over_the_api_is_a_409_naming_the_open_one(dpo):
    client, _ = dpo
    assert post(client, API, {"reason": REASON}).status_code == 201
    response = post(client, API, {"reason": REASON})
    assert response.status_code == 409 and list(response.json()["errors"]) == ["active"]


def test_the_api_asks_a_session_to_reauthenticate():
    client, _ = client_with("dpo", "stale")
    response = post(client, API, {"reason": REASON})
    assert response.status_code == 403 and response.json()["detail"] == "re-authenticate"
    assert not BreakGlass.objects.exists()


def test_an_unknown_id_is_a_404(dpo):
    client, _ = dpo
    response = post(client, f"{API}/999999/end")
    assert response.status_code == 404 and response.json()["errors"] == {}
    assert client.post(f"{PAGE}999999/end/").status_code == 404
