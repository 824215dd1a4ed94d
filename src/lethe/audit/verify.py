"""Verify the audit log: the chain, every checkpoint's signature and root, and the tail."""

from __future__ import annotations

import datetime
import json
from collections.abc import Callable
from dataclasses import dataclass

from django.db import connections, transaction
from django.utils import timezone

from lethe.audit import chain
from lethe.audit.checkpoints import ExportedHead, Frontier, verify_signature
from lethe.audit.models import AuditEvent, ChainHead, Checkpoint, PrunedLeaf, VerifyRun
from lethe.vault import keyadmin

CHUNK = 10_000


@dataclass
class Report:
    """What `verify` found: ok, or the first bad sequence number and what is wrong."""

    events: int = 0
    checkpoints: int = 0
    first_bad_seq: int | None = None
    problem: str = ""

    @property
    def ok(self) -> bool:
        return not self.problem

    def fail(self, seq: int | None, problem: str) -> Report:
        self.first_bad_seq, self.problem = seq, problem
        return self


def count() -> int:
    """Return how many events `verify` will read (for a progress bar)."""
    return AuditEvent.objects.count()


def verify(
    *,
    against: ExportedHead | None = None,
    on_progress: Callable[[int], None] = lambda n: None,
    record: bool = True,
) -> Report:
    """Check the whole log and return a Report; record the outcome as the chain status."""
    report = _verify(against, on_progress)
    if record:
        with transaction.atomic():
            VerifyRun.objects.create(
                at=timezone.now(),
                ok=report.ok,
                events=report.events,
                first_bad_seq=report.first_bad_seq,
                problem=report.problem[:300],
            )
    return report


def _verify(against: ExportedHead | None, on_progress) -> Report:
    report = Report()
    public_key = keyadmin.audit_public_key()
    checkpoints = list(Checkpoint.objects.order_by("tree_size"))
    for checkpoint in checkpoints:
        if not verify_signature(checkpoint, public_key):
            return report.fail(
                checkpoint.tree_size,
                f"checkpoint at #{checkpoint.tree_size} has an invalid signature",
            )
    if against is not None:
        if against.public_key != public_key:
            return report.fail(None, "the exported head was signed with another key")
        if not verify_signature(against, public_key):
            return report.fail(against.tree_size, "the exported head has an invalid signature")
    due = {c.tree_size: c for c in checkpoints}
    if against is not None:
        due.setdefault(against.tree_size, against)
    frontier = Frontier()
    prev_hash, seq = chain.GENESIS, 0
    last_good_checkpoint = 0

    def reached(size: int) -> str:
        """Compare the tree head expected at `size` with the one computed; '' if equal."""
        nonlocal last_good_checkpoint
        head = due[size]
        if frontier.root() != bytes(head.root) or prev_hash != bytes(head.last_hash):
            kind = "exported head" if head is against else "checkpoint"
            return (
                f"the {kind} at #{size} does not match the events: some event from "
                f"#{last_good_checkpoint + 1} to #{size} was changed, removed or reordered"
            )
        last_good_checkpoint = size
        return ""

    for pruned_seq, pruned_hash in PrunedLeaf.objects.order_by("seq").values_list("seq", "hash"):
        if pruned_seq != seq + 1:
            return report.fail(seq + 1, f"pruned event #{seq + 1} has no kept hash")
        seq, prev_hash = pruned_seq, bytes(pruned_hash)
        frontier.add(prev_hash)
        if seq in due and (problem := reached(seq)):
            return report.fail(last_good_checkpoint + 1, problem)
    width = len(chain.FIELDS)
    for row in _raw_events(seq):
        event_seq = row[0]
        if event_seq != seq + 1:
            return report.fail(seq + 1, f"event #{seq + 1} is missing")
        stored_prev, stored_hash = bytes(row[width]), bytes(row[width + 1])
        if stored_prev != prev_hash:
            return report.fail(event_seq, f"event #{event_seq} does not link to event #{seq}")
        if chain.link(prev_hash, chain.canonical(row[:width])) != stored_hash:
            return report.fail(event_seq, f"event #{event_seq} was altered after it was written")
        seq, prev_hash = event_seq, stored_hash
        frontier.add(stored_hash)
        report.events += 1
        if seq in due and (problem := reached(seq)):
            return report.fail(last_good_checkpoint + 1, problem)
        if report.events % CHUNK == 0:
            on_progress(CHUNK)
    on_progress(report.events % CHUNK)
    beyond = [size for size in due if size > seq]
    if beyond:
        kind = (
            "an exported head"
            if against is not None and max(beyond) == against.tree_size
            else "a checkpoint"
        )
        return report.fail(
            seq + 1, f"the log ends at #{seq} but {kind} covers #{max(beyond)}: events were cut off"
        )
    head = ChainHead.objects.filter(pk=1).values_list("seq", "hash").first()
    if head and (head[0] != seq or bytes(head[1]) != prev_hash):
        return report.fail(
            min(head[0], seq) + 1,
            f"the chain head says #{head[0]} but the log ends at #{seq}",
        )
    report.checkpoints = len(checkpoints)
    return report


# Positions of the JSON fields and of the time in chain.FIELDS.
_JSON = [
    chain.FIELDS.index(name) for name in ("subjects", "categories", "denied_categories", "detail")
]
_AT = chain.FIELDS.index("at")


def _raw_events(after: int):
    """Yield events after `after` as FIELDS values + (prev_hash, hash), decoded as stored.

    A raw cursor: turning a million rows into Python values through the ORM costs
    several times the hashing that verification is about.
    """
    connection = connections["default"]
    quote = connection.ops.quote_name
    columns = ", ".join(
        quote(AuditEvent._meta.get_field(n).column) for n in (*chain.FIELDS, "prev_hash", "hash")
    )
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {columns} FROM {quote(AuditEvent._meta.db_table)} "  # noqa: S608
            "WHERE seq > %s ORDER BY seq",
            [after],
        )
        while rows := cursor.fetchmany(CHUNK):
            for row in rows:
                row = list(row)
                for index in _JSON:
                    if isinstance(row[index], str):  # SQLite keeps JSON as text
                        row[index] = _json(row[index])
                at = row[_AT]
                if isinstance(at, str):  # naive UTC text "YYYY-MM-DD HH:MM:SS[.ffffff]"
                    row[_AT] = at.replace(" ", "T") + (".000000Z" if len(at) == 19 else "Z")
                elif at.tzinfo is None:  # SQLite's converter gives naive UTC datetimes
                    row[_AT] = at.replace(tzinfo=datetime.UTC)
                yield row


_json = json.JSONDecoder().decode


def status() -> dict:
    """Return the chain status shown everywhere: last verification and last checkpoint."""
    run = VerifyRun.objects.order_by("-at").first()
    checkpoint = Checkpoint.objects.order_by("-tree_size").first()
    return {
        "events": ChainHead.objects.filter(pk=1).values_list("seq", flat=True).first() or 0,
        "last_verified_at": run.at if run else None,
        "last_verified_ok": run.ok if run else None,
        "last_problem": run.problem if run else "",
        "last_checkpoint_size": checkpoint.tree_size if checkpoint else None,
        "last_checkpoint_at": checkpoint.signed_at if checkpoint else None,
    }
