"""Append audit events to the hash chain, inside the transaction of the action they record.

Callers pass pseudonyms and category names, never personal data.
"""

from __future__ import annotations

from collections.abc import Iterable

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
    connection = connections["default"]
    if not connection.in_atomic_block:
        raise RuntimeError("audit events are written inside the action's transaction")
    seq, prev_hash = _lock_head(connection)
    event = AuditEvent(
        at=timezone.now(),  # taken under the lock, so times never run backwards in seq order
        actor=actor.label,
        action=Action(action),
        outcome=Outcome(outcome),
        subjects=sorted(str(s) for s in subjects),
        categories=sorted(set(map(str, categories))),
        denied_categories=sorted(set(map(str, denied_categories))),
        purpose=str(purpose),
        case_id=actor.case or "",
        request_id=actor.request_id,
        client_addr=actor.client_addr,
        record_kind=record_kind,
        record_id=str(record_id),
        detail=detail or {},
    )
    event.seq, event.prev_hash = seq + 1, prev_hash
    event.hash = chain.link(prev_hash, encode(event))
    # Plain SQL: this runs on every gate call, and the ORM's insert costs several
    # times the hashing.
    with connection.cursor() as cursor:
        cursor.execute(_insert_sql(connection), _params(event, connection.ops))
        cursor.execute(
            f"UPDATE {HEAD_TABLE} SET seq = %s, hash = %s WHERE id = 1",  # noqa: S608
            [event.seq, event.hash],
        )
    event._state.adding, event._state.db = False, connection.alias
    from lethe.audit import checkpoints

    transaction.on_commit(lambda: checkpoints.maybe_checkpoint(event.seq), using=connection.alias)
    return event


HEAD_TABLE = ChainHead._meta.db_table
_COLUMNS = [f for f in AuditEvent._meta.concrete_fields]
_JSON_FIELDS = {"subjects", "categories", "denied_categories", "detail"}


def _params(event: AuditEvent, ops) -> list:
    """Return the INSERT's parameters: only times and JSON need adapting to the database."""
    params = []
    for field in _COLUMNS:
        value = getattr(event, field.attname)
        if field.name in _JSON_FIELDS:
            value = ops.adapt_json_value(value, None)
        elif field.name == "at":
            value = ops.adapt_datetimefield_value(value)
        params.append(value)
    return params


def _insert_sql(connection) -> str:
    quote = connection.ops.quote_name
    names = ", ".join(quote(f.column) for f in _COLUMNS)
    marks = ", ".join(["%s"] * len(_COLUMNS))
    return f"INSERT INTO {quote(AuditEvent._meta.db_table)} ({names}) VALUES ({marks})"  # noqa: S608


def encode(event: AuditEvent) -> bytes:
    """Return the canonical encoding of an event object."""
    return chain.canonical(tuple(getattr(event, name) for name in chain.FIELDS))
