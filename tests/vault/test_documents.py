"""Sealed texts and files: under a person's key (checked, audited) or a record key."""

import uuid

import pytest

from lethe.audit.models import Action, AuditEvent, Outcome
from lethe.vault import documents, gate
from lethe.vault.errors import AccessDenied, IntegrityError, SubjectErased
from lethe.vault.fields import Category
from lethe.vault.models import Document, PersonalHistory
from lethe.vault.policy import Purpose, Role
from tests.conftest import ALL, actor

pytestmark = pytest.mark.django_db(databases=ALL)

CR = Purpose.CUSTOMER_RELATIONSHIP


@pytest.fixture
def subject(system, people):
    return gate.create_subject(system, CR, people(1)[0])


def last_event():
    return AuditEvent.objects.order_by("-seq").first()


def test_a_note_about_a_person_opens_for_its_owner_and_is_audited(subject, relations, sales):
    relations.owners[sales.label] = {subject.id}
    [note] = documents.seal(sales, CR, [(subject, "activity.body", "Ringde om offerten")])
    assert b"offerten" not in bytes(Document.objects.get(pk=note.pk).ciphertext)
    assert last_event().action == Action.CREATE
    assert documents.open_many(sales, CR, [note]) == {note.id: "Ringde om offerten"}
    event = last_event()
    assert (event.action, event.outcome) == (Action.READ, Outcome.ALLOWED)
    assert event.subjects == [str(subject.id)]
    assert event.categories == [Category.CONTENT]


def test_someone_elses_note_is_masked_and_cannot_be_written(subject, relations, sales):
    [note] = documents.seal(actor(Role.SYSTEM), CR, [(subject, "activity.body", "hemligt")])
    assert documents.open_many(sales, CR, [note]) == {note.id: gate.Masked(Category.CONTENT)}
    assert last_event().outcome == Outcome.DENIED
    with pytest.raises(AccessDenied):
        documents.seal(sales, CR, [(subject, "activity.body", "mer")])
    assert Document.objects.count() == 1


def test_record_texts_need_no_person_and_leave_no_personal_read_event(sales):
    record = documents.new_record_key("deal")
    [note] = documents.seal(sales, CR, [(record, "deal.note", "Budget klar i mars")])
    before = AuditEvent.objects.count()
    assert documents.open_many(sales, CR, [note]) == {note.id: "Budget klar i mars"}
    assert AuditEvent.objects.count() == before
    documents.replace(sales, CR, note, "Budget klar i april")
    assert documents.open_many(sales, CR, [Document.objects.get(pk=note.pk)]) == {
        note.id: "Budget klar i april"
    }


def test_a_ciphertext_moved_to_another_document_fails_authentication(sales):
    record = documents.new_record_key("deal")
    one, two = documents.seal(
        sales, CR, [(record, "deal.note", "ett"), (record, "deal.note", "två")]
    )
    Document.objects.filter(pk=two.pk).update(ciphertext=one.ciphertext)
    with pytest.raises(IntegrityError):
        documents.open_many(sales, CR, [Document.objects.get(pk=two.pk)])


def test_shredding_the_person_or_the_record_makes_the_text_erased(subject, relations, sales):
    relations.owners[sales.label] = {subject.id}
    record = documents.new_record_key("company")
    person_note, record_note = documents.seal(
        sales,
        CR,
        [(subject, "activity.body", "om personen"), (record, "company.note", "om bolaget")],
    )
    gate.shred(actor(Role.SYSTEM), subject, reason="test")
    assert documents.open_many(sales, CR, [person_note]) == {person_note.id: gate.ERASED}
    with pytest.raises(SubjectErased):
        documents.seal(sales, CR, [(subject, "activity.body", "igen")])
    assert documents.shred_records(sales, [record], reason="deleted") == 1
    assert not Document.objects.filter(pk=record_note.pk).exists()
    with pytest.raises(SubjectErased):
        documents.seal(sales, CR, [(record, "company.note", "igen")])


def test_files_are_sealed_for_their_place_and_checked_on_read(subject, relations, sales):
    blob = uuid.uuid4()
    sealed = documents.seal_blob(actor(Role.SYSTEM), CR, subject, blob, b"%PDF-1.7 kontrakt")
    assert b"kontrakt" not in sealed
    with pytest.raises(AccessDenied):
        documents.open_blob(sales, CR, subject, blob, sealed)
    relations.owners[sales.label] = {subject.id}
    assert documents.open_blob(sales, CR, subject, blob, sealed) == b"%PDF-1.7 kontrakt"
    with pytest.raises(IntegrityError):
        documents.open_blob(sales, CR, subject, uuid.uuid4(), sealed)
    gate.shred(actor(Role.SYSTEM), subject, reason="test")
    assert documents.open_blob(sales, CR, subject, blob, sealed) is gate.ERASED


def test_replaced_personal_values_are_kept_sealed_and_vanish_with_the_key(
    subject, relations, sales
):
    relations.owners[sales.label] = {subject.id}
    old = gate.read(sales, [subject], CR, names=["job_title"])[subject.id]["job_title"]
    gate.write(sales, subject, {"job_title": "Inköpschef", "last_name": None}, CR)
    gate.write(sales, subject, {"job_title": "Inköpschef"}, CR)  # unchanged: no history
    rows = PersonalHistory.objects.filter(subject=subject)
    assert sorted(rows.values_list("field", flat=True)) == ["job_title", "last_name"]
    assert old.encode() not in b"".join(bytes(r.ciphertext) for r in rows)
    entries = {e.field: e for e in gate.history(sales, subject, CR)}
    assert entries["job_title"].value == old
    assert entries["job_title"].replaced_by == sales.label
    assert last_event().detail == {"history": 2}
    outsider = gate.history(actor(Role.SALES, "other"), subject, CR)
    assert {e.value for e in outsider} == {
        gate.Masked(Category.JOB_TITLE),
        gate.Masked(Category.NAME),
    }
    gate.shred(actor(Role.SYSTEM), subject, reason="test")
    assert {e.value for e in gate.history(sales, subject, CR)} == {gate.ERASED}


def test_business_records_get_one_key_each_on_first_use_and_lose_it_when_deleted(sales):
    from lethe.core import records

    first = records.keys_for("deal", [1, 2])
    assert records.keys_for("deal", [2, 1, 3])[2] == first[2]
    assert records.key_for("company", 1) != first[1]
    [note] = documents.seal(sales, CR, [(first[1], "deal.note", "anteckning")])
    assert records.forget(sales, "deal", [1]) == 1
    assert not Document.objects.filter(pk=note.pk).exists()
    assert records.forget(sales, "deal", [1]) == 0


def test_only_lethes_own_jobs_move_texts_and_files_between_people(system, people, sales):
    one, two = gate.create_subjects(system, CR, people(2))
    [note] = documents.seal(system, CR, [(one, "activity.body", "flyttas")])
    with pytest.raises(AccessDenied):
        documents.move_to_subject(sales, [note], two)
    assert documents.move_to_subject(system, [note], two) == 1
    gate.shred(system, one, reason="merged")
    assert documents.open_many(system, CR, [Document.objects.get(pk=note.pk)])[
        note.id
    ] == gate.Masked(Category.CONTENT)  # a system job may move but never read it
    blob, new = uuid.uuid4(), uuid.uuid4()
    sealed = documents.seal_blob(system, CR, two, blob, b"data")
    with pytest.raises(AccessDenied):
        documents.move_blob(sales, two, one, blob, sealed, new_blob=new)
    with pytest.raises(SubjectErased):
        documents.move_blob(system, two, one, blob, sealed, new_blob=new)
