"""The ledger: append-only through every interface, state derived in order, erasure forgets."""

import pytest
from django.db import DatabaseError, connections, transaction

from lethe.audit.models import Action, AuditEvent
from lethe.consent import ledger, notices, triggers
from lethe.consent.models import AppendOnly, Channel, ConsentEvent, NoticeText, State
from lethe.contacts import deletion, merge
from lethe.vault.models import Subject
from lethe.vault.policy import Actor, Role
from tests.conftest import ALL
from tests.consent.conftest import CR, DM, SYSTEM, user_with

pytestmark = pytest.mark.django_db(databases=ALL)

G, W = State.GRANTED, State.WITHDRAWN


def grant(subject, notice, purpose=DM, channel=Channel.PHONE):
    return ledger.record(SYSTEM, [subject], purpose, G, channel, notice)[0]


def withdraw(subject, purpose=DM, channel=Channel.EMAIL):
    return ledger.record(SYSTEM, [subject], purpose, W, channel, None)[0]


def test_the_orm_cannot_change_or_delete_an_event(make_contact, notice):
    event = grant(make_contact().subject, notice)
    event.state = W
    with pytest.raises(AppendOnly):
        event.save()
    with pytest.raises(AppendOnly):
        event.delete()
    with pytest.raises(AppendOnly):
        ConsentEvent.objects.filter(pk=event.pk).update(state=W)
    with pytest.raises(AppendOnly):
        ConsentEvent.objects.filter(pk=event.pk).delete()
    with pytest.raises(AppendOnly):
        ConsentEvent.objects.all().delete()
    assert ConsentEvent.objects.get(pk=event.pk).state == G


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE consent_consentevent SET state = 'withdrawn'",
        "UPDATE consent_consentevent SET at = '2001-01-01 00:00:00'",
        "DELETE FROM consent_consentevent",
        "UPDATE consent_noticetext SET text = 'something else'",
        "DELETE FROM consent_noticetext",
    ],
)
def test_the_database_refuses_raw_updates_and_deletes(make_contact, notice, statement):
    event = grant(make_contact().subject, notice)
    with (
        pytest.raises(DatabaseError, match="append-only"),
        transaction.atomic(),
        connections["default"].cursor() as cursor,
    ):
        cursor.execute(statement)
    stored = ConsentEvent.objects.get(pk=event.pk)
    assert (stored.state, stored.at) == (G, event.at)
    assert NoticeText.objects.get(pk=notice.pk).text == notice.text


def test_postgresql_refuses_truncate_of_the_ledger():
    if connections["default"].vendor != "postgresql":
        pytest.skip("TRUNCATE exists on PostgreSQL only")
    with (
        pytest.raises(DatabaseError, match="append-only"),
        transaction.atomic(),
        connections["default"].cursor() as cursor,
    ):
        cursor.execute("TRUNCATE consent_consentevent")


def test_the_forgetting_path_does_not_open_updates_and_closes_after_its_transaction(
    make_contact, notice
):
    grant(make_contact().subject, notice)
    connection = connections["default"]
    with (
        pytest.raises(DatabaseError, match="append-only"),
        transaction.atomic(),
        triggers.forgetting(connection),
        connection.cursor() as cursor,
    ):
        cursor.execute("UPDATE consent_consentevent SET state = 'withdrawn'")
    with (
        pytest.raises(DatabaseError, match="append-only"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute("DELETE FROM consent_consentevent")
    assert ConsentEvent.objects.count() == 1


def test_the_state_is_the_latest_event_in_order(make_contact, notice):
    subject = make_contact().subject
    assert ledger.consented([subject.id], DM) == set()
    steps = [G, W, G, G, W]
    for step in steps:
        grant(subject, notice) if step == G else withdraw(subject)
        latest = ledger.latest([subject.id], DM)[(subject.id, DM)]
        assert latest.state == step
        assert ledger.consented([subject.id], DM) == ({subject.id} if step == G else set())
    assert [e.state for e in ledger.history(subject.id)] == steps


def test_purposes_and_people_have_separate_states(make_contact, notice):
    one, two = make_contact().subject, make_contact().subject
    grant(one, notice)
    grant(two, notice, purpose="customer_support")
    withdraw(two)
    assert ledger.consented([one.id, two.id], DM) == {one.id}
    assert ledger.consented([one.id, two.id], "customer_support") == {two.id}


def test_a_grant_needs_the_notice_and_bad_values_name_their_field(make_contact, notice):
    subject = make_contact().subject
    cases = [
        (("accountability", G, Channel.PHONE, notice), "purpose"),
        ((DM, "maybe", Channel.PHONE, notice), "state"),
        ((DM, G, "carrier pigeon", notice), "channel"),
        ((DM, G, Channel.PHONE, None), "notice"),
    ]
    for args, field in cases:
        with pytest.raises(ledger.ConsentError) as caught:
            ledger.record(SYSTEM, [subject], *args)
        assert caught.value.field == field
    assert ConsentEvent.objects.count() == 0


def test_every_change_is_audited_with_pseudonyms_only(make_contact, notice):
    contact = make_contact()
    event = grant(contact.subject, notice)
    audited = AuditEvent.objects.get(action=Action.CONSENT_CHANGE, record_id=str(event.pk))
    assert audited.subjects == [str(contact.subject_id)]
    assert audited.purpose == DM
    assert audited.detail == {
        "state": "granted",
        "channel": "phone",
        "notice": notice.sha256,
        "double_opt_in": False,
        "privacy_notice": event.privacy_notice_version,
    }
    assert event.privacy_notice_version >= 1


def test_the_same_text_is_stored_once_and_publishing_makes_versions():
    first = notices.store("Vill du ha nyhetsbrev från oss?\r\n")
    assert notices.store("Vill du ha nyhetsbrev från oss?") == first
    assert notices.resolve(f"sha256:{first.sha256}") == first
    with pytest.raises(notices.NoticeError):
        notices.resolve("sha256:" + "0" * 64)
    v1 = notices.current(DM)
    v2 = notices.publish(SYSTEM, DM, "Nyheter och erbjudanden via e-post?")
    assert (v1.version, v2.version) == (1, 2)
    assert notices.current(DM) == v2
    assert notices.publish(SYSTEM, DM, "Nyheter och erbjudanden via e-post?") == v2


def test_forget_removes_a_subjects_rows_and_only_theirs_audited(make_contact, notice):
    gone, kept = make_contact().subject, make_contact().subject
    for subject in (gone, kept):
        grant(subject, notice)
        withdraw(subject)
    assert ledger.forget([gone.id]) == 2
    assert not ConsentEvent.objects.filter(subject=gone).exists()
    assert ConsentEvent.objects.filter(subject=kept).count() == 2
    event = AuditEvent.objects.filter(record_kind="consent_ledger").get()
    assert (event.action, event.subjects, event.detail) == (
        Action.DELETE,
        [str(gone.id)],
        {"events": 2},
    )
    with (
        pytest.raises(DatabaseError, match="append-only"),
        transaction.atomic(),
        connections["default"].cursor() as cursor,
    ):
        cursor.execute("DELETE FROM consent_consentevent")  # the path closed again


def test_deleting_a_contact_erases_their_consents(make_contact, notice):
    contact = make_contact()
    grant(contact.subject, notice)
    deletion.delete_contact(SYSTEM, DM, contact)
    assert ConsentEvent.objects.count() == 0
    assert Subject.objects.get(pk=contact.subject_id).status == Subject.Status.ERASED


def test_an_erased_person_cannot_be_given_a_consent(make_contact, notice):
    contact = make_contact()
    deletion.delete_contact(SYSTEM, DM, contact)
    with pytest.raises(ledger.ConsentError):
        grant(Subject.objects.get(pk=contact.subject_id), notice)


def test_merging_carries_the_evidence_over_in_time_order(make_contact, notice):
    seller = user_with("sales", "merger")
    kept, other = make_contact(seller), make_contact(seller)
    grant(other.subject, notice)  # earlier
    withdraw(kept.subject)  # later: the person's latest word
    actor = Actor("user", str(seller.pk), frozenset({Role.SALES}))
    merge.merge_contacts(actor, CR, kept, other, {})
    events = ledger.history(kept.subject_id)
    assert [(e.state, bool(e.merged_from)) for e in events] == [(G, True), (W, False)]
    assert ledger.consented([kept.subject_id], DM) == set()
    assert not ConsentEvent.objects.filter(subject_id=other.subject_id).exists()


def test_each_event_names_the_privacy_notice_version_in_force(make_contact, notice):
    """Issue #7 item 6: consent records reference the privacy notice the person saw."""
    from lethe.consent.evidence import consent_evidence
    from lethe.purposes import actions as purpose_actions
    from lethe.purposes import notice as privacy_notice
    from lethe.purposes.models import Purpose as PurposeRecord

    subject = make_contact().subject
    grant(subject, notice)
    first = privacy_notice.latest()
    marketing = PurposeRecord.objects.get(key="direct_marketing")
    purpose_actions.change_purpose(
        SYSTEM, marketing, {"description": marketing.description + " Also by post."}
    )
    second = privacy_notice.current()
    assert second.number == first.number + 1
    withdraw(subject)
    rows = consent_evidence([subject.id])
    assert [(r["privacy_notice_version"], r["privacy_notice_sha256"]) for r in rows] == [
        (first.number, first.sha256),
        (second.number, second.sha256),
    ]
