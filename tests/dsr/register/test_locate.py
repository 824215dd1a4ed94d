"""Locate finds the person by every identifier, and everything that holds or names them."""

from __future__ import annotations

import dataclasses

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext

from lethe.audit.models import Action, AuditEvent
from lethe.dsr import locate, register
from lethe.vault import gate
from lethe.vault.models import PersonalHistory
from lethe.vault.policy import Actor, Role
from tests.conftest import ALL, actor
from tests.dsr.register.conftest import SYSTEM

pytestmark = pytest.mark.django_db(databases=ALL)


@pytest.fixture
def case(world, dpo):
    """The DPO working inside an open request about the person."""
    request = register.open_request(dpo, "access", "email", {"email": world.person["email"][0]})
    return dataclasses.replace(dpo, case=request.case)


def _name(person: dict) -> str:
    return f"{person['first_name']} {person['last_name']}"


@pytest.mark.parametrize(
    "given",
    [
        lambda p: {"email": p["email"][0].upper()},
        lambda p: {"phone": p["phone"][0]},
        lambda p: {"identity_number": p["identity_number"]},
        lambda p: {"name": _name(p)},
        lambda p: {"name": _name(p).lower(), "company": "ekorre ab"},
        lambda p: {"name": _name(p), "company": "5566778899"},
    ],
    ids=["email", "phone", "identity number", "name", "name and company", "name and org number"],
)
def test_the_person_is_found_by_each_identifier_and_nobody_else(world, case, given):
    found = locate.subjects(case, given(world.person))
    assert list(found) == [world.contact.subject_id]


def test_what_each_subject_matched_on_is_told(world, case):
    found = locate.subjects(
        case,
        {
            "email": world.person["email"][0],
            "phone": world.other["phone"][0],
            "name": _name(world.person),
            "company": "Ekorre AB",
        },
    )
    assert found == {
        world.contact.subject_id: ["email", "name_and_company"],
        world.other_contact.subject_id: ["phone"],
    }


def test_a_name_matches_whole_words_in_any_order_across_first_and_last_name(world, case):
    first, last = world.person["first_name"], world.person["last_name"]
    subject = world.contact.subject_id
    assert list(locate.subjects(case, {"name": f"{last}, {first}"})) == [subject]
    assert list(locate.subjects(case, {"name": last.upper()})) == [subject]
    assert locate.subjects(case, {"name": f"{first} {last[:-1]}"}) == {}  # no prefixes
    before = AuditEvent.objects.count()
    gate.find_name(case, f"{first} {last}", "data_subject_request", identify=True)
    assert AuditEvent.objects.count() == before + 1


def test_a_name_at_another_company_or_an_unknown_identifier_finds_nobody(world, case):
    assert locate.subjects(case, {"name": _name(world.person), "company": "Annat AB"}) == {}
    assert locate.subjects(case, {"email": "nobody.here@example.org"}) == {}
    assert locate.subjects(case, {"name": "Zyxwvu Qwerty"}) == {}


def test_every_record_that_holds_or_names_the_person_is_listed(world, case):
    found = locate.locate(case, {"email": world.person["email"][0]})
    items = found.holdings[world.contact.subject_id]
    held = {(i.kind, i.id, i.relation) for i in items}
    contact = str(world.contact.pk)
    assert ("contact", contact, "owner-of-record") in held
    assert ("source", contact, "import") in held
    assert ("deal", str(world.deal.pk), "deal-contact") in held
    assert ("activity", str(world.own_activity), "owner-of-record") in held
    assert ("activity", str(world.participant_activity), "participant") in held
    assert ("activity", str(world.mention_activity), "mention") in held
    assert ("activity", str(world.unrelated_activity)) not in {(i.kind, i.id) for i in items}
    assert ("attachment", world.attachment, "owner-of-record") in held
    assert ("custom_field", "cf.allergies", "owner-of-record") in held
    assert ("custom_field", str(world.custom_value), "contact-field") in held
    assert ("personal_field", "email", "owner-of-record") in held
    old = PersonalHistory.objects.get(subject=world.contact.subject, field="job_title")
    assert ("personal_history", str(old.pk), "owner-of-record") in held
    assert any(i.kind == "change" and i.detail == "stage" for i in items)
    assert {i.detail for i in items if i.kind == "sealed_text"} >= {
        "activity.body",
        "attachment.name",
    }
    events = {int(i.id) for i in items if i.kind == "audit_event"}
    about = [e.seq for e in AuditEvent.objects.all() if str(world.contact.subject_id) in e.subjects]
    assert events == set(about) and len(events) >= 5
    deal_role = next(i for i in items if i.kind == "deal")
    assert deal_role.detail == "decision_maker"


def test_items_hold_no_plaintext(world, case):
    found = locate.locate(case, {"identity_number": world.person["identity_number"]})
    text = repr(found.holdings)
    for secret in (
        world.person["last_name"],
        world.person["email"][0],
        world.person["identity_number"],
        "hasselnötter",
        "Avtal",
        "Ringde",
    ):
        assert secret not in text


def test_the_other_person_holds_only_their_own_records_and_the_ones_naming_them(world, case):
    items = locate.holdings([world.other_contact.subject_id])[world.other_contact.subject_id]
    activities = {(i.id, i.relation) for i in items if i.kind == "activity"}
    assert activities == {
        (str(world.participant_activity), "owner-of-record"),
        (str(world.mention_activity), "owner-of-record"),
        (str(world.unrelated_activity), "owner-of-record"),
    }
    assert not any(i.kind == "deal" for i in items)


def test_holders_cost_the_same_queries_for_one_subject_as_for_many(world, people):
    from lethe.contacts.actions import create_contact

    more = [
        create_contact(SYSTEM, "customer_relationship", p, {}).subject_id
        for p in people(6, seed=62)
    ]
    locate.index_audit_log()  # the audit index catches up with the log once
    with CaptureQueriesContext(connection) as one:
        locate.holdings([world.contact.subject_id])
    with CaptureQueriesContext(connection) as many:
        locate.holdings([world.contact.subject_id, world.other_contact.subject_id, *more])
    assert len(many) == len(one)
    assert len(one) <= 2 * len(locate.HOLDERS)


def test_the_audit_index_catches_up_with_the_log_and_then_reads_only_new_events(world, case):
    assert locate.index_audit_log() > 0
    assert locate.index_audit_log() == 0
    gate.read(case, [world.contact.subject_id], "data_subject_request")  # one more event
    assert locate.index_audit_log() == 1
    newest = AuditEvent.objects.order_by("-seq").first()
    items = locate.holdings([world.contact.subject_id])[world.contact.subject_id]
    assert locate.Item("audit_event", str(newest.seq), "subject", "read") in items


def test_a_new_holder_is_asked_too_and_can_be_taken_away(world):
    @locate.holder("consent")
    def consents(subject_ids):
        return {
            s: [locate.Item("consent", "1", "owner-of-record", "newsletter")] for s in subject_ids
        }

    try:
        items = locate.holdings([world.contact.subject_id])[world.contact.subject_id]
        assert locate.Item("consent", "1", "owner-of-record", "newsletter") in items
    finally:
        del locate.HOLDERS["consent"]


def test_a_dpo_outside_an_open_case_identifies_nobody(world, dpo):
    email = world.person["email"][0]
    assert locate.subjects(dpo, {"email": email}) == {}
    request = register.open_request(dpo, "access", "email", {"email": email})
    register.refuse(dpo, request, "manifestly unfounded")
    closed = dataclasses.replace(dpo, case=request.case)
    assert locate.subjects(closed, {"email": email}) == {}


def test_another_role_finds_only_what_it_may_already_read(world):
    sales = actor(Role.SALES, case="dsr:1")
    assert locate.subjects(sales, {"email": world.person["email"][0]}) == {}
    assert gate.find(sales, "email", world.person["email"][0], "data_subject_request") == []


def test_identifying_is_audited_with_pseudonyms_only(world, case):
    before = AuditEvent.objects.order_by("-seq").values_list("seq", flat=True).first()
    locate.subjects(case, {"email": world.person["email"][0]})
    event = AuditEvent.objects.filter(seq__gt=before, action=Action.SEARCH).get()
    assert event.subjects == [str(world.contact.subject_id)]
    assert event.case_id == case.case and event.actor == case.label
    assert world.person["email"][0] not in str(event.detail)


@pytest.mark.parametrize(
    ("given", "field"),
    [
        ({"email": "not an address"}, "email"),
        ({"phone": "12"}, "phone"),
        ({"identity_number": "19990101-0000"}, "identity_number"),
        ({"name": "!!!"}, "name"),
        ({"company": "Ekorre AB"}, "name"),
        ({"shoe_size": "44"}, "shoe_size"),
        ({}, "identifiers"),
    ],
)
def test_bad_identifiers_are_refused_naming_the_field(world, case, given, field):
    with pytest.raises(ValidationError) as raised:
        locate.subjects(case, given)
    assert field in raised.value.message_dict


def test_the_way_the_person_identified_themselves_needs_its_identifier():
    with pytest.raises(ValidationError) as raised:
        locate.clean_identifiers({"email": "a@example.org"}, "name_and_company")
    assert set(raised.value.message_dict) == {"name"}
    cleaned = locate.clean_identifiers(
        {"phone": "070-174 06 04", "identity_number": "19760612-2393"}, "phone"
    )
    assert cleaned == {"phone": "+46701740604", "identity_number": "197606122393"}


def test_locating_for_a_request_links_the_matches_as_candidates(world, dpo):
    request = register.receive(
        dpo,
        "access",
        "email",
        {"email": world.person["email"][0], "phone": world.other["phone"][0]},
    )
    found = register.locate_subjects(dpo, request)
    assert set(found.matched) == {world.contact.subject_id, world.other_contact.subject_id}
    rows = dict(request.subjects.values_list("subject_id", "confirmed"))
    assert rows == {world.contact.subject_id: False, world.other_contact.subject_id: False}
    again = register.locate_subjects(dpo, request, {"name": _name(world.person)})
    assert list(again.matched) == [world.contact.subject_id]
    assert request.subjects.count() == 2
    assert list(request.steps.filter(step="located").values_list("detail__new", flat=True)) == [
        2,
        0,
    ]


def test_a_system_job_learns_pseudonyms_only(world):
    email = world.person["email"][0]
    assert list(locate.subjects(Actor.system("portal"), {"email": email})) == [
        world.contact.subject_id
    ]
    values = gate.read(Actor.system("portal"), [world.contact.subject_id], "data_subject_request")
    assert all(isinstance(v, gate.Masked) for v in values[world.contact.subject_id].values())
