"""The consent API: one request to grant, one to withdraw; the ledger cannot be changed."""

import json

import pytest
from django.db import connections
from django.test.utils import CaptureQueriesContext

from lethe.consent import ledger
from lethe.consent.models import ConsentEvent
from tests.conftest import ALL
from tests.consent.conftest import DM, SYSTEM
from tests.helpers import client_with, post

pytestmark = pytest.mark.django_db(databases=ALL)


class Counting:
    """A test client that counts the HTTP requests made through it."""

    def __init__(self, client):
        self.client, self.requests = client, 0

    def __getattr__(self, method):
        call = getattr(self.client, method)

        def counted(*args, **kwargs):
            self.requests += 1
            return call(*args, **kwargs)

        return counted


@pytest.fixture
def seller():
    return client_with("sales", "seller")


def url(contact) -> str:
    return f"/api/v1/contacts/{contact.pk}/consents"


def test_granting_and_withdrawing_take_one_request_each(seller, make_contact, notice):
    client, user = seller
    contact = make_contact(user)
    counting = Counting(client)
    body = {"purpose": DM, "channel": "phone", "notice": notice.text}
    granted = counting.post(
        url(contact), json.dumps({**body, "state": "granted"}), content_type="application/json"
    )
    assert granted.status_code == 201 and granted.json()["state"] == {DM: "granted"}
    grant_requests, counting.requests = counting.requests, 0
    withdrawn = counting.post(
        url(contact), json.dumps({**body, "state": "withdrawn"}), content_type="application/json"
    )
    assert withdrawn.status_code == 201 and withdrawn.json()["state"] == {DM: "withdrawn"}
    assert counting.requests == grant_requests == 1
    assert ledger.consented([contact.subject_id], DM) == set()


def test_the_list_shows_the_ledger_in_order_and_the_state(seller, make_contact, notice):
    client, user = seller
    contact = make_contact(user)
    for state in ("granted", "withdrawn", "granted"):
        post(client, url(contact), {"purpose": DM, "state": state, "notice": notice.text})
    shown = client.get(url(contact)).json()
    assert shown["state"] == {DM: "granted"}
    assert [e["state"] for e in shown["events"]] == ["granted", "withdrawn", "granted"]
    first = shown["events"][0]
    assert first["channel"] == "api" and first["recorded_by"] == f"user:{user.pk}"
    assert first["notice"] == {"sha256": notice.sha256, "text": notice.text}
    assert shown["events"][1]["notice"]["sha256"] == notice.sha256  # kept when given


def test_a_stored_notice_can_be_named_by_its_hash(seller, make_contact, notice):
    client, user = seller
    contact = make_contact(user)
    body = {"purpose": DM, "state": "granted", "notice": f"sha256:{notice.sha256}"}
    assert post(client, url(contact), body).status_code == 201
    assert ConsentEvent.objects.get().notice == notice


@pytest.mark.parametrize("method", ["put", "patch", "delete"])
def test_the_ledger_has_no_way_to_change_or_delete(seller, make_contact, notice, method):
    client, user = seller
    contact = make_contact(user)
    post(client, url(contact), {"purpose": DM, "state": "granted", "notice": notice.text})
    event = ConsentEvent.objects.get()
    body = json.dumps({"purpose": DM, "state": "withdrawn"})
    response = getattr(client, method)(url(contact), body, content_type="application/json")
    assert response.status_code == 405
    assert getattr(client, method)(f"{url(contact)}/{event.pk}", body).status_code == 404
    assert list(ConsentEvent.objects.values_list("pk", "state")) == [(event.pk, "granted")]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"purpose": "accountability", "state": "granted", "notice": "x"}, "purpose"),
        ({"purpose": DM, "state": "revoked", "notice": "x"}, "state"),
        ({"purpose": DM, "state": "granted", "channel": "fax", "notice": "x"}, "channel"),
        ({"purpose": DM, "state": "granted"}, "notice"),
        ({"purpose": DM, "state": "granted", "notice": "   "}, "notice"),
        ({"purpose": DM, "state": "granted", "notice": "sha256:" + "a" * 64}, "notice"),
        ({"purpose": DM, "state": "granted", "notice": 7}, "notice"),
    ],
)
def test_bad_input_names_the_field_and_records_nothing(seller, make_contact, body, field):
    client, user = seller
    contact = make_contact(user)
    response = post(client, url(contact), body)
    assert response.status_code == 400
    assert list(response.json()["errors"]) == [field]
    assert ConsentEvent.objects.count() == 0


def test_only_who_works_with_the_contact_records(make_contact, notice):
    _, owner = client_with("sales", "owner")
    contact = make_contact(owner)
    stranger, _ = client_with("sales", "stranger")
    marketer, _ = client_with("marketing", "marketer")
    body = {"purpose": DM, "state": "granted", "notice": notice.text}
    assert post(stranger, url(contact), body).status_code == 403
    assert post(marketer, url(contact), body).status_code == 403
    assert marketer.get(url(contact)).status_code == 200
    assert ConsentEvent.objects.count() == 0


def test_the_marketing_role_reads_name_and_email_only_of_consented_people(
    seller, make_contact, notice
):
    client, user = seller
    consented, other = make_contact(user), make_contact(user)
    post(client, url(consented), {"purpose": DM, "state": "granted", "notice": notice.text})
    marketer, _ = client_with("marketing", "reader")
    shown = marketer.get(f"/api/v1/contacts/{consented.pk}").json()["fields"]
    assert isinstance(shown["last_name"], str) and isinstance(shown["email"], list)
    for name in ("phone", "address", "identity_number", "birth_date", "job_title", "notes"):
        assert shown[name]["masked"] is True, name
    hidden = marketer.get(f"/api/v1/contacts/{other.pk}").json()["fields"]
    assert hidden["last_name"]["masked"] and hidden["email"]["masked"]
    post(client, url(consented), {"purpose": DM, "state": "withdrawn"})
    again = marketer.get(f"/api/v1/contacts/{consented.pk}").json()["fields"]
    assert again["last_name"]["masked"] and again["email"]["masked"]


def test_the_state_costs_a_fixed_number_of_queries_whatever_the_list_size(make_contact, notice):
    subjects = [make_contact().subject for _ in range(12)]
    for subject in subjects:
        ledger.record(SYSTEM, [subject], DM, "granted", "phone", notice)
    ids = [s.id for s in subjects]
    with CaptureQueriesContext(connections["default"]) as few:
        ledger.consented(ids[:2], DM)
    with CaptureQueriesContext(connections["default"]) as many:
        assert ledger.consented(ids, DM) == set(ids)
    assert len(many) == len(few) == 1
