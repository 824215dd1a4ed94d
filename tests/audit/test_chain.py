"""The tamper-evident audit log: chain, checkpoints, verification, proofs, triggers, retention."""

import datetime
import itertools
import json
from contextlib import contextmanager

import pytest
from django.db import DatabaseError, connections, transaction
from django.utils import timezone

from lethe.audit import checkpoints, log, proofs, retention, triggers
from lethe.audit.models import Action, AuditEvent, ChainHead, Checkpoint, PrunedLeaf
from lethe.audit.verify import verify
from lethe.vault.policy import Actor
from tests.conftest import ALL

pytestmark = pytest.mark.django_db(databases=ALL, transaction=True)

ACTOR = Actor("user", "42", frozenset())


def append(n: int, **kwargs) -> list[AuditEvent]:
    events = []
    for i in range(n):
        with transaction.atomic():
            events.append(
                log.record(
                    ACTOR,
                    Action.READ,
                    subjects=[f"s{i}"],
                    purpose="customer_relationship",
                    detail={"i": i},
                    **kwargs,
                )
            )
    return events


@contextmanager
def as_database_superuser():
    """Do what only someone with full control of the database could: bypass the triggers."""
    connection = connections["default"]
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL session_replication_role = replica")
            yield connection.cursor()
        else:
            with triggers.pruning(connection):
                yield connection.cursor()


def test_an_untouched_log_verifies():
    append(30)
    checkpoints.create()
    append(5)
    report = verify()
    assert report.ok, report.problem
    assert report.events == 35 and report.checkpoints == 1


def test_sequence_numbers_are_gapless_and_each_event_links_to_the_last():
    events = append(10)
    assert [e.seq for e in events] == list(range(1, 11))
    assert all(bytes(b.prev_hash) == bytes(a.hash) for a, b in itertools.pairwise(events))


def test_an_event_outside_a_transaction_is_refused():
    with pytest.raises(RuntimeError, match="inside the action's transaction"):
        log.record(ACTOR, Action.READ)


EDITS = {
    "at": "'2020-01-01 00:00:00'",
    "actor": "'user:7'",
    "action": "'update'",
    "outcome": "'denied'",
    "subjects": "'[\"someone-else\"]'",
    "record_kind": "'contact'",
    "record_id": "'99'",
    "categories": "'[\"user.name\"]'",
    "denied_categories": "'[\"user.name\"]'",
    "purpose": "'direct_marketing'",
    "case_id": "'DSR-9'",
    "request_id": "'r2'",
    "client_addr": "'10.0.0.9'",
    "detail": "'{\"i\": 999}'",
}


@pytest.mark.parametrize("column", sorted(EDITS))
def test_editing_any_field_of_an_event_is_caught_at_that_event(column):
    append(12)
    with as_database_superuser() as cursor:
        cursor.execute(f"UPDATE audit_auditevent SET {column} = {EDITS[column]} WHERE seq = 7")
    report = verify()
    assert not report.ok
    assert report.first_bad_seq == 7
    assert "#7" in report.problem


def test_deleting_an_event_is_caught():
    append(12)
    with as_database_superuser() as cursor:
        cursor.execute("DELETE FROM audit_auditevent WHERE seq = 5")
    report = verify()
    assert (report.first_bad_seq, report.problem) == (5, "event #5 is missing")


def test_swapping_two_events_is_caught_at_the_first():
    append(12)
    with as_database_superuser() as cursor:
        cursor.execute("UPDATE audit_auditevent SET seq = -1 WHERE seq = 4")
        cursor.execute("UPDATE audit_auditevent SET seq = 4 WHERE seq = 9")
        cursor.execute("UPDATE audit_auditevent SET seq = 9 WHERE seq = -1")
    report = verify()
    assert report.first_bad_seq == 4


def test_rewriting_the_whole_chain_after_an_edit_is_caught_by_the_signed_checkpoint():
    append(20)
    checkpoints.create()
    # An attacker edits event 8 and recomputes every later hash and the head: the chain
    # alone now looks fine, but the signed tree head does not match.
    with as_database_superuser() as cursor:
        cursor.execute("UPDATE audit_auditevent SET actor = 'user:evil' WHERE seq = 8")
        prev = bytes(AuditEvent.objects.get(seq=7).hash)
        for event in AuditEvent.objects.filter(seq__gte=8).order_by("seq"):
            new = log.chain.link(prev, log.encode(event))
            cursor.execute(
                "UPDATE audit_auditevent SET prev_hash = %s, hash = %s WHERE seq = %s",
                [prev, new, event.seq],
            )
            prev = new
        cursor.execute("UPDATE audit_chainhead SET hash = %s WHERE id = 1", [prev])
    report = verify()
    assert not report.ok
    assert report.first_bad_seq == 1
    assert "checkpoint at #20 does not match" in report.problem


def test_cutting_off_the_tail_is_caught_against_an_exported_head(tmp_path):
    append(15)
    head = checkpoints.ExportedHead.from_checkpoint(checkpoints.create())
    exported = tmp_path / "head.json"
    exported.write_text(head.to_json())
    # The attacker removes the last 4 events, the checkpoint that covered them, and
    # resets the chain head: the database alone is consistent again.
    with as_database_superuser() as cursor:
        cursor.execute("DELETE FROM audit_auditevent WHERE seq > 11")
        cursor.execute("DELETE FROM audit_checkpoint")
        last = bytes(AuditEvent.objects.get(seq=11).hash)
        cursor.execute("UPDATE audit_chainhead SET seq = 11, hash = %s WHERE id = 1", [last])
    assert verify().ok
    report = verify(against=checkpoints.ExportedHead.parse(exported.read_text()))
    assert report.first_bad_seq == 12
    assert "cut off" in report.problem


def test_a_forged_checkpoint_is_caught():
    append(5)
    checkpoints.create()
    with as_database_superuser() as cursor:
        cursor.execute("UPDATE audit_checkpoint SET root = %s", [bytes(32)])
    report = verify()
    assert "invalid signature" in report.problem


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE audit_auditevent SET actor = 'user:evil' WHERE seq = 1",
        "DELETE FROM audit_auditevent WHERE seq = 1",
        "UPDATE audit_checkpoint SET tree_size = 99",
        "DELETE FROM audit_checkpoint",
    ],
)
def test_the_database_rejects_changes_to_the_audit_tables(statement):
    append(2)
    checkpoints.create()
    with (
        pytest.raises(DatabaseError, match="append-only"),
        transaction.atomic(),
        connections["default"].cursor() as cursor,
    ):
        cursor.execute(statement)
    assert AuditEvent.objects.count() == 2


def test_postgresql_rejects_truncate_of_the_audit_table():
    if connections["default"].vendor != "postgresql":
        pytest.skip("TRUNCATE exists on PostgreSQL only")
    append(1)
    with (
        pytest.raises(DatabaseError, match="append-only"),
        transaction.atomic(),
        connections["default"].cursor() as cursor,
    ):
        cursor.execute("TRUNCATE audit_auditevent")


def test_inclusion_proofs_verify_and_fail_when_a_hash_is_altered():
    append(37)
    checkpoints.create()
    for seq in (1, 2, 17, 36, 37):
        proof = proofs.inclusion(seq)
        text = json.dumps(proof)
        assert f"event #{seq} is included" in proofs.check(text)
        for position in range(len(proof["proof"])):
            bad = json.loads(text)
            bad["proof"][position] = "00" * 32
            with pytest.raises(proofs.ProofError):
                proofs.check(json.dumps(bad))
        for field in ("leaf", "prev_hash"):
            bad = json.loads(text)
            bad[field] = "11" * 32
            with pytest.raises(proofs.ProofError):
                proofs.check(json.dumps(bad))
        bad = json.loads(text)
        bad["head"]["root"] = "22" * 32
        with pytest.raises(proofs.ProofError, match="signature"):
            proofs.check(json.dumps(bad))


def test_an_inclusion_proof_binds_the_event_content():
    append(8)
    checkpoints.create()
    proof = proofs.inclusion(3)
    proof["event"] = proof["event"].replace('"user:42"', '"user:43"')
    with pytest.raises(proofs.ProofError, match="does not hash to the leaf"):
        proofs.check(json.dumps(proof))


def test_a_proof_is_checked_against_a_published_key_when_given():
    append(3)
    checkpoints.create()
    text = json.dumps(proofs.inclusion(2))
    with pytest.raises(proofs.ProofError, match="signature"):
        proofs.check(text, public_key=bytes(32))


def test_consistency_proofs_between_checkpoints_verify_and_fail_when_altered():
    append(13)
    checkpoints.create()
    append(21)
    checkpoints.create()
    proof = proofs.consistency(13, 34)
    assert "#13 is a prefix of the one at #34" in proofs.check(json.dumps(proof))
    for position in range(len(proof["proof"])):
        bad = json.loads(json.dumps(proof))
        bad["proof"][position] = "33" * 32
        with pytest.raises(proofs.ProofError):
            proofs.check(json.dumps(bad))


def test_checkpoints_extend_the_last_frontier_and_match_a_full_recomputation():
    from lethe.audit import merkle

    append(10)
    checkpoints.create()
    append(7)
    latest = checkpoints.create()
    leaves = [merkle.leaf_hash(h) for h in checkpoints.leaf_hashes()]
    assert bytes(latest.root) == merkle.root(leaves)
    assert checkpoints.create().tree_size == 17  # nothing new: the same head


def test_a_checkpoint_is_made_automatically_every_n_events(settings):
    import dataclasses

    settings.CONFIG = dataclasses.replace(settings.CONFIG, audit_checkpoint_every=200)
    append(99)
    assert not Checkpoint.objects.exists()
    append(200)  # the first is made at once (#100), the next 200 events later
    assert list(Checkpoint.objects.values_list("tree_size", flat=True)) == [100]
    append(1)
    assert list(Checkpoint.objects.values_list("tree_size", flat=True)) == [100, 300]


def test_pruning_removes_old_segments_and_verification_still_passes():
    append(10)
    first = checkpoints.create()
    old = timezone.now() - datetime.timedelta(days=366 * 11)
    with as_database_superuser() as cursor:
        cursor.execute("UPDATE audit_auditevent SET at = %s WHERE seq <= 10", [old])
    # Backdating rewrote history: re-sign it the way a real old log would have been.
    with as_database_superuser() as cursor:
        cursor.execute("DELETE FROM audit_checkpoint")
        prev = log.chain.GENESIS
        for event in AuditEvent.objects.order_by("seq"):
            new = log.chain.link(prev, log.encode(event))
            cursor.execute(
                "UPDATE audit_auditevent SET prev_hash = %s, hash = %s WHERE seq = %s",
                [prev, new, event.seq],
            )
            prev = new
        cursor.execute("UPDATE audit_chainhead SET hash = %s WHERE id = 1", [prev])
    assert first.tree_size == 10
    checkpoints.create()
    append(6)
    checkpoints.create()
    assert retention.plan().tree_size == 10
    assert retention.prune() == 10
    assert PrunedLeaf.objects.count() == 10
    assert not AuditEvent.objects.filter(seq__lte=10).exists()
    assert AuditEvent.objects.filter(action=Action.DELETE).exists()  # the pruning is logged
    report = verify()
    assert report.ok, report.problem
    assert "included" in proofs.check(json.dumps(proofs.inclusion(12, 16)))
    with pytest.raises(proofs.ProofError, match="pruned"):
        proofs.inclusion(3)


def test_pruning_is_refused_when_the_log_does_not_verify():
    append(4)
    checkpoints.create()
    with as_database_superuser() as cursor:
        cursor.execute("UPDATE audit_auditevent SET at = %s", [timezone.now().replace(year=2001)])
    with pytest.raises(retention.PruneRefused, match="does not verify"):
        retention.prune()
    assert PrunedLeaf.objects.count() == 0


def test_the_chain_head_tracks_the_last_event():
    events = append(3)
    head = ChainHead.objects.get()
    assert (head.seq, bytes(head.hash)) == (3, bytes(events[-1].hash))


def test_a_checkpoint_is_made_when_t_minutes_have_passed(settings, monkeypatch):
    import dataclasses

    settings.CONFIG = dataclasses.replace(settings.CONFIG, audit_checkpoint_minutes=30)
    append(120)
    assert list(Checkpoint.objects.values_list("tree_size", flat=True)) == [100]
    later = timezone.now() + datetime.timedelta(minutes=31)
    monkeypatch.setattr(checkpoints.timezone, "now", lambda: later)
    monkeypatch.setattr(checkpoints, "_next_check_at", None)
    append(1)
    assert list(Checkpoint.objects.values_list("tree_size", flat=True)) == [100, 121]


def test_record_many_appends_a_gapless_batch_that_verifies():
    append(3)
    entries = [
        log.Entry(
            ACTOR,
            Action.IMPORT,
            subjects=[f"s{i}"],
            purpose="customer_relationship",
            detail={"row": i},
        )
        for i in range(250)
    ]
    with transaction.atomic():
        events = log.record_many(entries)
    assert [e.seq for e in events] == list(range(4, 254))
    assert ChainHead.objects.get().seq == 253
    assert AuditEvent.objects.filter(action=Action.IMPORT).count() == 250
    assert list(Checkpoint.objects.values_list("tree_size", flat=True)) == [253]
    append(2)
    assert verify().ok


def test_a_failed_batch_leaves_no_events_and_no_gap():
    append(2)
    with pytest.raises(ZeroDivisionError), transaction.atomic():
        log.record_many([log.Entry(ACTOR, Action.READ) for _ in range(5)])
        1 / 0  # noqa: B018 - the action fails after its events were appended
    events = append(1)
    assert events[0].seq == 3
    assert verify().ok
