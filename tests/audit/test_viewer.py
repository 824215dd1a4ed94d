"""The audit log viewer and its API: filters, chain status, CSV export, errors, query counts."""

import csv
import io
import json
import uuid
from pathlib import Path

import pytest
from django.db import connections, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext

from lethe.accounts.models import RoleGrant, User
from lethe.api import api
from lethe.audit import checkpoints, log, queries
from lethe.audit.models import Action, AuditEvent
from lethe.vault.policy import Actor
from tests.conftest import ALL
from tests.helpers import passed_second_factor

pytestmark = pytest.mark.django_db(databases=ALL)

OPENAPI = Path(__file__).parents[2] / "docs" / "api" / "openapi.json"


def signed_in(role: str) -> Client:
    user = User.objects.create_user(f"{role}@lethe.example", "a long test password 1")
    RoleGrant.objects.create(user=user, role=role)
    client = Client()
    client.force_login(user)
    passed_second_factor(client)
    return client


def seed(subject: str) -> None:
    actors = [Actor("user", "7", frozenset()), Actor("user", "8", frozenset())]
    with transaction.atomic():
        for i in range(60):
            log.record(
                actors[i % 2],
                Action.READ if i % 3 else Action.UPDATE,
                subjects=[subject if i % 4 == 0 else str(uuid.uuid4())],
                purpose="customer_relationship",
                detail={"i": i},
            )


@pytest.fixture
def subject():
    value = str(uuid.uuid4())
    seed(value)
    return value


def test_the_page_lists_events_and_always_shows_the_chain_status(subject):
    checkpoints.create()
    response = signed_in("auditor").get("/audit/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "Never verified" in html
    assert "Last signed checkpoint at #60" in html
    assert "page 1 of 2" in html


def test_filters_narrow_the_list(subject):
    client = signed_in("dpo")
    page = client.get("/audit/", {"subject": subject, "action": "read"}).context["page"]
    events = list(page)
    assert events and all(subject in e.subjects and e.action == "read" for e in events)
    assert len(events) == len([i for i in range(60) if i % 4 == 0 and i % 3])
    by_actor = client.get("/audit/", {"actor": "user:8"}).context["page"]
    assert {e.actor for e in by_actor} == {"user:8"}


def test_who_read_this_person_in_the_last_30_days_is_one_filter(subject):
    response = signed_in("dpo").get("/audit/", queries.reads_of(subject))
    events = list(response.context["page"])
    assert events and {e.action for e in events} == {"read"}


def test_bad_filters_give_a_form_error_naming_the_field():
    response = signed_in("auditor").get("/audit/", {"action": "explode", "since": "yesterday"})
    assert response.status_code == 400
    html = response.content.decode()
    assert "action:" in html and "since:" in html


def test_viewing_and_exporting_are_themselves_audited(subject):
    client = signed_in("auditor")
    client.get("/audit/", {"subject": subject})
    response = client.get("/audit/export.csv", {"subject": subject})
    assert response.status_code == 200
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    assert rows and all(subject in json.loads(r["subjects"]) for r in rows)
    assert {r["action"] for r in rows} <= {"read", "update"}
    exports = AuditEvent.objects.filter(action=Action.EXPORT, record_kind="audit_log")
    assert exports.count() == 1
    assert exports.get().detail["filters"]["subject"] == subject


def test_csv_cells_that_a_spreadsheet_would_run_are_kept_as_text():
    with transaction.atomic():
        log.record(Actor("user", "1", frozenset()), Action.READ, record_id="=HYPERLINK(1)")
    response = signed_in("auditor").get("/audit/export.csv", {"record_id": "=HYPERLINK(1)"})
    row = next(csv.DictReader(io.StringIO(response.content.decode())))
    assert row["record_id"] == "'=HYPERLINK(1)"


def test_the_api_lists_filters_and_reports_status(subject):
    client = signed_in("auditor")
    response = client.get("/api/v1/audit/events", {"subject": subject, "page": 1})
    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 15 and all(subject in r["subjects"] for r in body["results"])
    status = client.get("/api/v1/audit/status").json()
    assert status["events"] >= 60 and status["last_verified_at"] is None
    csv_response = client.get("/api/v1/audit/events.csv", {"action": "update"})
    assert csv_response["Content-Type"].startswith("text/csv")


def test_the_api_answers_bad_filters_with_400_naming_the_field():
    response = signed_in("auditor").get("/api/v1/audit/events", {"subject": "not-a-uuid"})
    assert response.status_code == 400
    assert set(response.json()["errors"]) == {"subject"}


def test_the_list_page_costs_a_constant_number_of_queries(subject):
    client = signed_in("auditor")
    client.get("/audit/")  # warm the session
    with CaptureQueriesContext(connections["default"]) as few:
        client.get("/audit/", {"action": "update"})
    seed(str(uuid.uuid4()))
    with CaptureQueriesContext(connections["default"]) as many:
        client.get("/audit/")
    assert len(many.captured_queries) == len(few.captured_queries)


def test_the_openapi_document_matches_the_committed_copy():
    # Regenerate with: make openapi
    current = json.dumps(api.get_openapi_schema(), indent=2, sort_keys=True) + "\n"
    assert OPENAPI.read_text() == current
