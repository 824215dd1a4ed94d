"""The gate: role and purpose checks, masking, audit events, batching, integrity, shredding."""

import pytest
from django.db import connections
from django.test.utils import CaptureQueriesContext

from lethe.audit.models import Action, AuditEvent, Outcome
from lethe.vault import gate
from lethe.vault.errors import AccessDenied, IntegrityError, InvalidField, SubjectErased
from lethe.vault.fields import Category
from lethe.vault.models import BlindIndex, PersonalValue, Subject
from lethe.vault.policy import Purpose, Role
from tests.conftest import ALL, actor

pytestmark = pytest.mark.django_db(databases=ALL)

CR = Purpose.CUSTOMER_RELATIONSHIP


@pytest.fixture
def person(people):
    return people(1)[0]


@pytest.fixture
def subject(system, person):
    return gate.create_subject(system, CR, person)


@pytest.fixture
def dpo(relations):
    relations.open_cases.add("DSR-1")
    return actor(Role.DPO, case="DSR-1")


def last_event():
    return AuditEvent.objects.order_by("-seq").first()


def test_a_dpo_inside_an_open_case_reads_back_every_field(subject, person, dpo):
    data = gate.read(dpo, [subject], Purpose.DATA_SUBJECT_REQUEST)[subject.id]
    assert data["first_name"] == person["first_name"]
    assert data["email"] == person["email"]
    assert data["identity_number"] == person["identity_number"]
    assert data["address"] == person["address"]
    event = last_event()
    assert (event.action, event.outcome, event.case_id) == (Action.READ, Outcome.ALLOWED, "DSR-1")
    assert event.subjects == [str(subject.id)]


def test_a_dpo_outside_an_open_case_sees_only_masks(subject, relations):
    closed = actor(Role.DPO, case="DSR-404")
    data = gate.read(closed, [subject], Purpose.DATA_SUBJECT_REQUEST)[subject.id]
    assert data["first_name"] == gate.Masked(Category.NAME)
    assert last_event().outcome == Outcome.DENIED


def test_sales_sees_masks_for_records_they_do_not_own(subject, relations, sales):
    data = gate.read(sales, [subject], CR)[subject.id]
    assert all(isinstance(v, gate.Masked) for v in data.values())
    event = last_event()
    assert event.outcome == Outcome.DENIED
    assert Category.NAME in event.denied_categories
    assert event.categories == []


def test_sales_reads_contact_fields_but_not_the_identity_number_of_owned_records(
    subject, person, relations, sales
):
    relations.owners[sales.label] = {subject.id}
    data = gate.read(sales, [subject], CR)[subject.id]
    assert data["last_name"] == person["last_name"]
    assert data["phone"] == person["phone"]
    assert data["job_title"] == person["job_title"]
    assert data["identity_number"] == gate.Masked(Category.GOVERNMENT_ID)
    assert data["birth_date"] == gate.Masked(Category.DATE_OF_BIRTH)
    event = last_event()
    assert event.outcome == Outcome.PARTIAL
    assert {Category.GOVERNMENT_ID, Category.DATE_OF_BIRTH, Category.ADDRESS} <= set(
        event.denied_categories
    )
    assert Category.NAME in event.categories


def test_sales_may_not_use_another_purpose(subject, relations, sales):
    relations.owners[sales.label] = {subject.id}
    data = gate.read(sales, [subject], Purpose.DIRECT_MARKETING)[subject.id]
    assert data["email"] == gate.Masked(Category.EMAIL)


@pytest.mark.parametrize("role", [Role.ADMIN, Role.AUDITOR, Role.SYSTEM, None])
def test_roles_without_personal_data_read_only_masks(subject, relations, role):
    data = gate.read(actor(role), [subject], CR)[subject.id]
    assert {type(v) for v in data.values()} == {gate.Masked}
    assert last_event().outcome == Outcome.DENIED


def test_marketing_reads_name_and_email_of_consented_subjects_only(system, people, relations):
    consented, other = gate.create_subjects(system, CR, people(2))
    relations.consents[Purpose.DIRECT_MARKETING] = {consented.id}
    marketing = actor(Role.MARKETING)
    data = gate.read(marketing, [consented, other], Purpose.DIRECT_MARKETING)
    assert isinstance(data[consented.id]["email"], list)
    assert data[consented.id]["phone"] == gate.Masked(Category.PHONE)
    assert data[other.id]["email"] == gate.Masked(Category.EMAIL)


def test_finance_reads_hold_scope_data_only_for_the_legal_obligation(system, people, subject):
    hold = "hold:contract-1"
    gate.write(system, subject, {"first_name": "Kontrakt"}, Purpose.LEGAL_OBLIGATION, scope=hold)
    finance = actor(Role.FINANCE)
    held = gate.read(finance, [subject], Purpose.LEGAL_OBLIGATION, scope=hold)[subject.id]
    assert held["first_name"] == "Kontrakt"
    default = gate.read(finance, [subject], Purpose.LEGAL_OBLIGATION)[subject.id]
    assert default["first_name"] == gate.Masked(Category.NAME)


def test_a_denied_write_changes_nothing_and_is_audited(subject, relations):
    admin = actor(Role.ADMIN)
    before = PersonalValue.objects.count()
    with pytest.raises(AccessDenied):
        gate.write(admin, subject, {"first_name": "Mallory"}, CR)
    assert PersonalValue.objects.count() == before
    event = last_event()
    assert (event.action, event.outcome) == (Action.ACCESS_DENIED, Outcome.DENIED)
    assert event.denied_categories == [Category.NAME]


def test_sales_may_create_contacts_but_not_identity_numbers(people, relations, sales):
    person = people(1)[0]
    created = gate.create_subject(sales, CR, {"first_name": person["first_name"]})
    assert Subject.objects.filter(pk=created.pk).exists()
    with pytest.raises(AccessDenied):
        gate.create_subject(sales, CR, {"identity_number": person["identity_number"]})


def test_invalid_input_names_the_field_and_creates_nothing(system, people):
    good, bad = people(2)
    bad["email"] = ["not-an-address"]
    with pytest.raises(InvalidField) as error:
        gate.create_subjects(system, CR, [good, bad])
    assert error.value.field == "email"
    assert Subject.objects.count() == 0
    assert PersonalValue.objects.count() == 0


def test_unknown_fields_are_refused(system):
    with pytest.raises(InvalidField) as error:
        gate.create_subject(system, CR, {"shoe_size": "44"})
    assert error.value.field == "shoe_size"


def test_writing_none_removes_a_field_and_its_index(subject, person, system, dpo):
    gate.write(system, subject, {"email": None}, CR)
    data = gate.read(dpo, [subject], Purpose.DATA_SUBJECT_REQUEST)[subject.id]
    assert "email" not in data
    assert not BlindIndex.objects.filter(subject=subject, field="email").exists()
    assert gate.find(dpo, "email", person["email"][0], Purpose.DATA_SUBJECT_REQUEST) == []


def test_a_ciphertext_swapped_between_rows_fails_authentication(system, people, dpo):
    one, two = gate.create_subjects(system, CR, people(2))
    a = PersonalValue.objects.get(subject=one, field="last_name")
    b = PersonalValue.objects.get(subject=two, field="last_name")
    a.ciphertext, b.ciphertext = b.ciphertext, a.ciphertext
    a.save()
    with pytest.raises(IntegrityError, match="failed authentication"):
        gate.read(dpo, [one], Purpose.DATA_SUBJECT_REQUEST)


def test_a_ciphertext_swapped_between_columns_fails_authentication(subject, dpo):
    first = PersonalValue.objects.get(subject=subject, field="first_name")
    last = PersonalValue.objects.get(subject=subject, field="last_name")
    first.ciphertext = bytes(last.ciphertext)
    first.save()
    with pytest.raises(IntegrityError, match="first_name"):
        gate.read(dpo, [subject], Purpose.DATA_SUBJECT_REQUEST)


def test_a_flipped_bit_fails_authentication(subject, dpo):
    value = PersonalValue.objects.get(subject=subject, field="job_title")
    corrupt = bytearray(value.ciphertext)
    corrupt[-1] ^= 1
    value.ciphertext = bytes(corrupt)
    value.save()
    with pytest.raises(IntegrityError):
        gate.read(dpo, [subject], Purpose.DATA_SUBJECT_REQUEST)


def count_queries(func):
    with (
        CaptureQueriesContext(connections["default"]) as main,
        CaptureQueriesContext(connections["keystore"]) as keystore,
    ):
        func()
    return len(main.captured_queries), len(keystore.captured_queries)


def test_reading_a_page_of_50_costs_the_same_queries_as_reading_one(system, people, dpo):
    subjects = gate.create_subjects(system, CR, people(50))  # also starts the audit chain
    one = count_queries(lambda: gate.read(dpo, subjects[:1], Purpose.DATA_SUBJECT_REQUEST))
    fifty = count_queries(lambda: gate.read(dpo, subjects, Purpose.DATA_SUBJECT_REQUEST))
    assert fifty == one
    # main: savepoint, values, chain head lock, audit insert, head update, release;
    # keystore: keys
    assert fifty == (6, 1)


def test_writing_50_subjects_costs_a_constant_number_of_queries(system, people):
    batch = people(52, seed=3)
    gate.create_subjects(system, CR, batch[:1])  # the first audit event starts the chain
    one = count_queries(lambda: gate.create_subjects(system, CR, batch[1:2]))
    fifty = count_queries(lambda: gate.create_subjects(system, CR, batch[2:]))
    assert fifty == one


def test_shred_makes_the_data_erased_and_drops_the_index(subject, person, system, dpo):
    gate.shred(system, subject, reason="erasure_request")
    data = gate.read(dpo, [subject], Purpose.DATA_SUBJECT_REQUEST)[subject.id]
    assert data["first_name"] is gate.ERASED
    assert str(data["email"]) == "[erased]"
    assert not BlindIndex.objects.filter(subject=subject).exists()
    subject.refresh_from_db()
    assert subject.status == Subject.Status.ERASED
    erasure = AuditEvent.objects.get(action=Action.ERASURE)
    assert erasure.subjects == [str(subject.id)]
    assert erasure.detail["key_destroyed"] is True
    with pytest.raises(SubjectErased):
        gate.write(system, subject, {"first_name": "Again"}, CR)


def test_shredding_the_default_scope_keeps_a_legal_hold_scope(subject, system):
    hold = "hold:contract-9"
    gate.write(system, subject, {"last_name": "Avtal"}, Purpose.LEGAL_OBLIGATION, scope=hold)
    gate.shred(system, subject, reason="test")
    finance = actor(Role.FINANCE)
    held = gate.read(finance, [subject], Purpose.LEGAL_OBLIGATION, scope=hold)[subject.id]
    assert held["last_name"] == "Avtal"


def test_only_system_jobs_and_a_dpo_in_a_case_may_shred(subject, relations, sales):
    with pytest.raises(AccessDenied):
        gate.shred(sales, subject, reason="test")
    assert last_event().outcome == Outcome.DENIED
    relations.open_cases.add("DSR-2")
    gate.shred(actor(Role.DPO, case="DSR-2"), subject, reason="dsr:DSR-2")


def test_find_matches_e_mail_and_phone_variants(subject, person, dpo):
    email = person["email"][0]
    dsr = Purpose.DATA_SUBJECT_REQUEST
    assert gate.find(dpo, "email", f"  {email.upper()} ", dsr) == [subject.id]
    national = "0" + person["phone"][0].removeprefix("+46")
    assert gate.find(dpo, "phone", national, dsr) == [subject.id]
    number = person["identity_number"]
    assert gate.find(dpo, "identity_number", f"{number[2:8]}-{number[8:]}", dsr) == [subject.id]


def test_find_by_name_prefix_is_case_and_accent_insensitive(system, dpo):
    wanted = gate.create_subject(system, CR, {"first_name": "Åsa", "last_name": "Öström"})
    gate.create_subject(system, CR, {"first_name": "Osvald", "last_name": "Ek"})
    dsr = Purpose.DATA_SUBJECT_REQUEST
    assert gate.find(dpo, "last_name", "ost", dsr) == [wanted.id]
    assert gate.find(dpo, "first_name", "ASA", dsr) == [wanted.id]
    assert gate.find(dpo, "last_name", "öströmmen", dsr) == []


def test_find_returns_only_subjects_the_actor_may_read(system, people, relations, sales):
    mine, theirs = gate.create_subjects(system, CR, people(2))
    relations.owners[sales.label] = {mine.id}
    for target in (mine, theirs):
        email = gate.read(system, [target], CR)  # masked for system; fetch via DPO instead
        assert isinstance(email[target.id]["email"], gate.Masked)
    relations.open_cases.add("c")
    dpo = actor(Role.DPO, case="c")
    their_email = gate.read(dpo, [theirs], Purpose.DATA_SUBJECT_REQUEST)[theirs.id]["email"][0]
    assert gate.find(sales, "email", their_email, CR) == []
    assert last_event().detail["withheld"] == 1


def test_searching_an_unindexed_field_is_refused(dpo):
    with pytest.raises(InvalidField):
        gate.find(dpo, "notes", "anything", Purpose.DATA_SUBJECT_REQUEST)


def test_a_shred_reason_must_be_a_code_because_the_audit_log_keeps_it(subject, system):
    with pytest.raises(ValueError, match="code"):
        gate.shred(system, subject, reason="Anna Svensson asked us by phone")
    assert Subject.objects.get(pk=subject.pk).status == Subject.Status.ACTIVE


def test_match_finds_many_identifiers_at_once_for_system_jobs_only(system, people, relations):
    persons = people(2, seed=17)
    a, b = gate.create_subjects(system, CR, persons)
    terms = {p["email"][0].lower() for p in persons} | {"nobody@example.com"}
    found = gate.match(system, "email", terms, CR)
    assert set().union(*found.values()) == {a.id, b.id}
    assert found["nobody@example.com"] == set()
    assert set().union(*gate.match(actor(Role.SALES), "email", terms, CR).values()) == set()
    with pytest.raises(InvalidField):
        gate.match(system, "last_name", {"ek"}, CR)
