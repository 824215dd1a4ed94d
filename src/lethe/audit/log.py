"""Append audit events to the hash chain, inside the transaction of the action they record.

Callers pass pseudonyms and category names, never personal data.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass

from django.db import connections, transaction
from django.utils import timezone

from lethe.audit import chain
from lethe.audit.models import Action, AuditEvent, ChainHead, Outcome


def _lock_head(connection) -> tuple[int, bytes]:
    """Return (seq, hash) of the chain head, locked until the caller's transaction ends.

    On PostgreSQL the row lock serialises appends across processes; on SQLite the
    IMMEDIATE transaction already holds the database's write lock.
    """
    lock = " FOR UPDATE" if connection.features.has_select_for_update else ""
    select = f"SELECT seq, hash FROM {HEAD_TABLE} WHERE id = 1{lock}"  # noqa: S608
    with connection.cursor() as cursor:
        cursor.execute(select)
        row = cursor.fetchone()
        if row is None:
            ChainHead.objects.using(connection.alias).bulk_create(
                [ChainHead(pk=1, seq=0, hash=chain.GENESIS)], ignore_conflicts=True
            )
            cursor.execute(select)
            row = cursor.fetchone()
    return row[0], bytes(row[1])


@dataclass(frozen=True)
class Entry:
    """What one event says, before it takes its place in the chain."""

    actor: object
    action: Action
    outcome: Outcome = Outcome.ALLOWED
    subjects: Iterable = ()
    categories: Iterable[str] = ()
    denied_categories: Iterable[str] = ()
    purpose: str = ""
    record_kind: str = ""
    record_id: str = ""
    detail: dict | None = None


def _event(entry: Entry, at) -> AuditEvent:
    actor = entry.actor
    return AuditEvent(
        at=at,
        actor=actor.label,
        action=Action(entry.action),
        outcome=Outcome(entry.outcome),
        subjects=sorted(str(s) for s in entry.subjects),
        categories=sorted(set(map(str, entry.categories))),
        denied_categories=sorted(set(map(str, entry.denied_categories))),
        purpose=str(entry.purpose),
        case_id=actor.case or "",
        request_id=actor.request_id,
        client_addr=actor.client_addr,
        record_kind=entry.record_kind,
        record_id=str(entry.record_id),
        detail=entry.detail or {},
    )


def record_many(entries: Iterable[Entry]) -> list[AuditEvent]:
    """Append several events in order, inside the caller's transaction, as one batch.

    One lock of the chain head, one multi-row insert and one head update for the
    whole batch: what imports and other bulk work use.
    """
    connection = connections["default"]
    if not connection.in_atomic_block:
        raise RuntimeError("audit events are written inside the action's transaction")
    seq, prev_hash = _lock_head(connection)
    at = timezone.now()  # taken under the lock, so times never run backwards in seq order
    events = []
    for entry in entries:
        event = _event(entry, at)
        seq += 1
        event.seq, event.prev_hash = seq, prev_hash
        event.hash = prev_hash = chain.link(prev_hash, encode(event))
        event._state.adding, event._state.db = False, connection.alias
        events.append(event)
    if not events:
        return events
    # Plain SQL: this runs on every gate call, and the ORM's insert costs several
    # times the hashing.
    with connection.cursor() as cursor:
        ops = connection.ops
        adapt_json, stamp = _json_adapter(ops), ops.adapt_datetimefield_value(at)
        cursor.executemany(_insert_sql(connection), [_params(e, adapt_json, stamp) for e in events])
        cursor.execute(
            f"UPDATE {HEAD_TABLE} SET seq = %s, hash = %s WHERE id = 1",  # noqa: S608
            [seq, prev_hash],
        )
    from lethe.audit import checkpoints

    last = events[-1].seq
    first = events[0].seq
    # Let the checkpoint rule see a multiple of its step if the batch crossed one.
    step = checkpoints.CHECK_EVERY
    due = last - last % step if last // step > (first - 1) // step else last
    transaction.on_commit(lambda: checkpoints.maybe_checkpoint(due), using=connection.alias)
    return events


def record(
    actor,
    action: Action,
    *,
    outcome: Outcome = Outcome.ALLOWED,
    subjects: Iterable = (),
    categories: Iterable[str] = (),
    denied_categories: Iterable[str] = (),
    purpose: str = "",
    record_kind: str = "",
    record_id: str = "",
    detail: dict | None = None,
) -> AuditEvent:
    """Append one event for `actor` (a lethe.vault.policy.Actor) to the chain."""
    entry = Entry(
        actor,
        action,
        outcome,
        subjects,
        categories,
        denied_categories,
        purpose,
        record_kind,
        record_id,
        detail,
    )
    return record_many([entry])[0]


HEAD_TABLE = ChainHead._meta.db_table
_COLUMNS = [f for f in AuditEvent._meta.concrete_fields]
_JSON_FIELDS = {"subjects", "categories", "denied_categories", "detail"}


_compact_json = json.JSONEncoder(separators=(",", ":"), sort_keys=True).encode


def _json_adapter(ops):
    """Return how JSON values go to the database: SQLite keeps them as text."""
    if ops.connection.vendor == "sqlite":
        return _compact_json
    return lambda value: ops.adapt_json_value(value, None)


def _params(event: AuditEvent, adapt_json, at) -> list:
    """Return the INSERT's parameters; `at` is the event time already adapted."""
    return [
        at
        if field.name == "at"
        else adapt_json(getattr(event, field.attname))
        if field.name in _JSON_FIELDS
        else getattr(event, field.attname)
        for field in _COLUMNS
    ]


def _insert_sql(connection) -> str:
    quote = connection.ops.quote_name
    names = ", ".join(quote(f.column) for f in _COLUMNS)
    marks = ", ".join(["%s"] * len(_COLUMNS))
    return f"INSERT INTO {quote(AuditEvent._meta.db_table)} ({names}) VALUES ({marks})"  # noqa: S608


def encode(event: AuditEvent) -> bytes:
    """Return the canonical encoding of an event object."""
    return chain.canonical(tuple(getattr(event, name) for name in chain.FIELDS))
