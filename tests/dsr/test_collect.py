"""Collecting what Lethe holds about a request's confirmed subjects, through the vault."""

import pytest
from django.core.exceptions import ValidationError
from django.db import connections
from django.test.utils import CaptureQueriesContext

from lethe.activities.actions import create_activity
from lethe.activities.mentions import token
from lethe.audit.models import Action, AuditEvent
from lethe.dsr import art15, collect, register
from lethe.dsr.models import Request
from lethe.vault import gate
from lethe.vault.errors import AccessDenied
from lethe.vault.policy import Actor, Purpose, Role
from tests.conftest import ALL
from tests.dsr.conftest import CR, CV, SYSTEM, full_name

pytestmark = pytest.mark.django_db(databases=ALL)


def test_it_gathers_every_kind_of_record_of_the_person(everything):
    found = collect.gather(everything.dpo, everything.request)
    [person] = found.people
    assert person["id"] == str(everything.contact.subject_id)
    assert person["personal"]["email"] == everything.person["email"]
    assert person["personal"]["identity_number"] == everything.person["identity_number"]
    assert person["personal"]["job_title"] == "Head of Procurement"
    custom = {c["key"]: c for c in person["custom"]}
    assert custom["nickname"]["value"] == everything.nickname and custom["nickname"]["personal"]
    assert custom["segment"]["value"] == "Enterprise" and not custom["segment"]["personal"]
    contact = person["contact"]
    assert contact["company"] == "Exportbolaget AB"
    assert contact["owner"] == "Ägda Säljberg"
    assert (contact["stage"], contact["tags"]) == ("customer", ["vip"])
    [deal] = found.deals
    assert (deal["title"], deal["roles"], deal["owner"]) == (
        "Årsavtal 2025",
        ["decision_maker"],
        "Ägda Säljberg",
    )
    assert deal["custom"][0]["value"] == "Norrland"
    assert [f["name"] for f in found.attachments] == ["CV.txt", "Offert.pdf"]
    assert list(found.files.values()) == [CV]  # only the person's own file is opened
    personal = [h for h in found.history if h["record"] == "personal"]
    assert [(h["field"], h["old"]) for h in personal] == [("job_title", everything.old_job_title)]
    assert personal[0]["changed_by"] == "system"
    [stage] = [h for h in found.history if h["record"] == "contact"]
    assert (stage["field"], stage["old"], stage["new"]) == ("stage", "prospect", "customer")
    assert {"user.name", "user.contact.email", "user.content"} <= found.categories
    assert set(found.sections) >= {"consents", "disclosures"}
    actions = {e["action"] for e in found.audit}
    assert {"create", "update", "read"} <= actions
    assert {e["actor"] for e in found.audit} <= {"system", "user"}


def test_activities_name_them_and_keep_other_people_out(everything):
    found = collect.gather(everything.dpo, everything.request)
    name, other = full_name(everything.person), full_name(everything.other)
    [note] = [a for a in found.activities if "about" in a["named_as"]]
    assert (note["kind"], note["named_as"]) == ("note", ["about", "mentioned"])
    assert found.text(note["body"]) == f"Called {name} about prices; [other person] joins."
    [meeting] = [a for a in found.activities if a["kind"] == "meeting"]
    assert meeting["named_as"] == ["participant", "mentioned"]
    assert found.text(meeting["body"]) == f"Met {name} and [other person] at the fair in Jönköping."
    withheld = [a for a in found.activities if a["text_status"] == "withheld"]
    assert len(withheld) == 2 and all(a["body"] is None for a in withheld)
    everything_said = repr(found.people) + repr(found.activities) + repr(found.deals)
    for secret in everything.secrets:
        assert secret not in everything_said
    assert other not in everything_said
    assert full_name(everything.candidate) not in everything_said


def test_a_located_subject_that_was_not_confirmed_is_left_out(everything):
    found = collect.gather(everything.dpo, everything.request)
    assert found.subjects == [everything.contact.subject_id]
    assert [p["id"] for p in found.people] == [str(everything.contact.subject_id)]
    # The candidate's own call (which mentions the person) is listed, its text is not read.
    [call] = [a for a in found.activities if a["kind"] == "call"]
    assert call["text_status"] == "withheld" and call["named_as"] == ["mentioned"]
    reads = AuditEvent.objects.filter(action=Action.READ, purpose="data_subject_request")
    assert not any(str(everything.candidate_contact.subject_id) in e.subjects for e in reads)


@pytest.mark.parametrize(
    "case",
    [None, "dsr:999", "glass:1"],
    ids=["no case", "another request", "break-glass"],
)
def test_a_dpo_outside_the_case_cannot_collect(everything, case):
    outsider = Actor("user", str(everything.dpo_user.pk), frozenset({Role.DPO}), case=case)
    before = AuditEvent.objects.filter(action=Action.ACCESS_DENIED).count()
    with pytest.raises(AccessDenied):
        collect.gather(outsider, everything.request)
    assert AuditEvent.objects.filter(action=Action.ACCESS_DENIED).count() == before + 1


def test_other_roles_and_closed_requests_cannot_collect(everything):
    sales = Actor(
        "user", str(everything.owner.pk), frozenset({Role.SALES}), case=everything.request.case
    )
    with pytest.raises(AccessDenied):
        collect.gather(sales, everything.request)
    register.complete(SYSTEM, everything.request, {})
    with pytest.raises(AccessDenied):
        collect.gather(everything.dpo, Request.objects.get(pk=everything.request.pk))


def test_nothing_is_collected_before_a_subject_is_confirmed(everything):
    request = register.open_request(SYSTEM, "access", "email", {"email": "someone@example.org"})
    register.link_subjects(SYSTEM, request, [everything.contact.subject_id])
    dpo = Actor("user", str(everything.dpo_user.pk), frozenset({Role.DPO}), case=request.case)
    with pytest.raises(ValidationError) as raised:
        collect.gather(dpo, request)
    assert "subjects" in raised.value.message_dict


def test_queries_do_not_grow_with_the_number_of_activities(everything):
    def count() -> int:
        with CaptureQueriesContext(connections["default"]) as queries:
            collect.gather(everything.dpo, everything.request)
        return len(queries)

    count()  # the first gather also starts the audit log's subject index
    before = count()
    mention = token(everything.contact.pk)
    for n in range(8):
        create_activity(
            SYSTEM,
            CR,
            {"kind": "call", "contact": everything.contact, "body": f"Call {n} with {mention}"},
        )
        create_activity(
            SYSTEM,
            CR,
            {
                "kind": "meeting",
                "deal": everything.deal,
                "participants": [everything.contact, everything.other_contact],
                "body": f"Meeting {n}",
            },
        )
    assert count() == before


def test_sections_registered_by_later_features_are_collected(everything):
    rows = [{"purpose": "direct_marketing", "granted": True}]
    collect.section("consents")(lambda actor, request, subjects: rows)
    try:
        found = collect.gather(everything.dpo, everything.request)
    finally:
        collect.SECTIONS.pop("consents")
    assert found.sections["consents"] == rows
    with pytest.raises(ValueError):
        collect.section("Not A Name")


def test_data_kept_under_a_legal_hold_is_collected_and_its_purpose_told(everything):
    subject = everything.contact.subject
    gate.write(
        SYSTEM, subject, {"last_name": "Avtalsson"}, Purpose.LEGAL_OBLIGATION, scope="hold:7"
    )
    found = collect.gather(everything.dpo, everything.request)
    assert not found.legal_hold and found.people[0]["legal_hold"] == []
    collect.hold_scopes(lambda subjects: {"hold:7"} if subject.id in subjects else set())
    try:
        found = collect.gather(everything.dpo, everything.request)
    finally:
        collect.HOLD_SCOPES.clear()
    assert found.legal_hold
    assert found.people[0]["legal_hold"] == [
        {"scope": "hold:7", "personal": {"last_name": "Avtalsson"}}
    ]
    told = art15.information(found.categories, legal_hold=found.legal_hold)
    assert "legal_obligation" in [p.key for p in told.purposes]
    assert "legal_obligation" not in [p.key for p in art15.information(found.categories).purposes]
