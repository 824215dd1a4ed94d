"""The consent ledger: record grants and withdrawals, derive the current state, forget.

Every change is a new `ConsentEvent` with a CONSENT_CHANGE audit event in the same
transaction. The state of a subject for a purpose is their latest event (by time, then
by order of recording): granted or withdrawn; no event at all means no consent.
Rows leave the ledger only when their subject is erased (`forget`).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from uuid import UUID

from django.db import connections, transaction
from django.db.models import OuterRef, Subquery

from lethe.audit import log
from lethe.audit.models import Action
from lethe.consent import triggers
from lethe.consent.models import (
    CONSENTABLE,
    Channel,
    ConsentEvent,
    ListMember,
    NoticeText,
    State,
)
from lethe.purposes import notice as privacy_notice
from lethe.vault.models import Subject
from lethe.vault.policy import Actor, Purpose

# Subjects per query: well under SQLite's limit on query parameters.
CHUNK = 2000


class ConsentError(ValueError):
    """A consent change that cannot be recorded; `field` names the bad part."""

    def __init__(self, field: str, message: str):
        super().__init__(f"{field}: {message}")
        self.field, self.message = field, message


def check(purpose: object, state: object, channel: object) -> tuple[Purpose, State, Channel]:
    """Return purpose, state and channel checked, or raise ConsentError naming the bad one."""
    try:
        purpose = Purpose(purpose)
    except ValueError:
        purpose = None
    if purpose not in CONSENTABLE:
        names = ", ".join(p.value for p in CONSENTABLE)
        raise ConsentError("purpose", f"choose one of {names}")
    if state not in State.values:
        raise ConsentError("state", "choose granted or withdrawn")
    if channel not in Channel.values:
        raise ConsentError("channel", f"choose one of {', '.join(Channel.values)}")
    return purpose, State(state), Channel(channel)


def record(
    actor: Actor,
    subjects: Iterable[Subject],
    purpose: object,
    state: object,
    channel: object,
    notice: NoticeText | None,
    *,
    requested_at=None,
    double_opt_in: bool = False,
) -> list[ConsentEvent]:
    """Append one event per subject (granted needs the notice shown), audited, atomically."""
    purpose, state, channel = check(purpose, state, channel)
    if state == State.GRANTED and notice is None:
        raise ConsentError("notice", "give the exact notice text the person was shown")
    subjects = list(subjects)
    if any(s.status == Subject.Status.ERASED for s in subjects):
        raise ConsentError("subject", "this person's data is erased")
    privacy = privacy_notice.current()
    events = [
        ConsentEvent(
            subject=subject,
            purpose=purpose,
            state=state,
            channel=channel,
            recorded_by=actor.label[:160],
            notice=notice,
            requested_at=requested_at,
            double_opt_in=double_opt_in,
            privacy_notice_version=privacy.number,
            privacy_notice_sha256=privacy.sha256,
        )
        for subject in subjects
    ]
    with transaction.atomic():
        ConsentEvent.objects.bulk_create(events)  # new rows only: ids come back
        log.record_many(
            log.Entry(
                actor,
                Action.CONSENT_CHANGE,
                subjects=[event.subject_id],
                purpose=purpose,
                record_kind="consent",
                record_id=event.pk,
                detail={
                    "state": str(state),
                    "channel": str(channel),
                    "notice": notice.sha256 if notice else "",
                    "double_opt_in": double_opt_in,
                    "privacy_notice": privacy.number,
                },
            )
            for event in events
        )
    return events


def chunks(ids: Iterable[UUID]) -> Iterator[list[UUID]]:
    ids = list(dict.fromkeys(ids))
    for start in range(0, len(ids), CHUNK):
        yield ids[start : start + CHUNK]


def latest(subject_ids: Iterable[UUID], purpose: object = None) -> dict[tuple, ConsentEvent]:
    """Return {(subject, purpose): latest event} for these subjects (one purpose, or all)."""
    newest = (
        ConsentEvent.objects.filter(subject=OuterRef("subject"), purpose=OuterRef("purpose"))
        .order_by("-at", "-id")
        .values("id")[:1]
    )
    found: dict[tuple, ConsentEvent] = {}
    for chunk in chunks(subject_ids):
        rows = ConsentEvent.objects.filter(subject_id__in=chunk)
        if purpose is not None:
            rows = rows.filter(purpose=Purpose(purpose))
        for event in rows.filter(id=Subquery(newest)).select_related("notice"):
            found[(event.subject_id, event.purpose)] = event
    return found


def in_state(subject_ids: Iterable[UUID], purpose: object, state: State) -> set[UUID]:
    """Return the subjects whose latest event for the purpose is in `state`."""
    return {s for (s, _), e in latest(subject_ids, purpose).items() if e.state == state}


def consented(subject_ids: Iterable[UUID], purpose: object) -> set[UUID]:
    """Return the subjects whose latest event for the purpose is a grant."""
    return in_state(subject_ids, purpose, State.GRANTED)


def history(subject_id: UUID) -> list[ConsentEvent]:
    """Return the subject's events in order, oldest first."""
    return list(
        ConsentEvent.objects.filter(subject_id=subject_id)
        .select_related("notice")
        .order_by("at", "id")
    )


def forget(subject_ids: Iterable[UUID], *, actor: Actor | None = None) -> int:
    """Remove the ledger rows (and marketing-list places) of subjects being erased.

    The erasure of a person calls this inside its transaction (contact deletion does,
    through its `on_delete` hook; a data-subject erasure must too). It is the only path
    that deletes ledger rows: the triggers let the DELETE through for this transaction
    only (lethe.consent.triggers.forgetting). Returns how many events went.
    """
    ids = list(dict.fromkeys(subject_ids))
    if not ids:
        return 0
    actor = actor or Actor.system("consent-erasure")
    connection = connections["default"]
    table = connection.ops.quote_name(ConsentEvent._meta.db_table)
    removed = 0
    with transaction.atomic():
        ListMember.objects.filter(contact__subject_id__in=ids).delete()
        rows = []
        for chunk in chunks(ids):
            rows += list(
                ConsentEvent.objects.filter(subject_id__in=chunk).values_list("id", flat=True)
            )
        if rows:
            with triggers.forgetting(connection), connection.cursor() as cursor:
                for start in range(0, len(rows), CHUNK):
                    part = rows[start : start + CHUNK]
                    marks = ", ".join(["%s"] * len(part))
                    cursor.execute(f"DELETE FROM {table} WHERE id IN ({marks})", part)  # noqa: S608
                    removed += cursor.rowcount
            log.record(
                actor,
                Action.DELETE,
                subjects=ids,
                record_kind="consent_ledger",
                detail={"events": removed},
            )
    return removed


def carry_over(actor: Actor, kept: Subject, merged: Subject) -> int:
    """Copy the merged subject's events onto the kept one (same times), then forget them.

    Two contacts of one person were merged: their consents are the person's, so the
    evidence moves with them, and the merged subject, which is erased, keeps none.
    """
    events = list(ConsentEvent.objects.filter(subject=merged).order_by("at", "id"))
    if not events:
        return 0
    with transaction.atomic():
        ConsentEvent.objects.bulk_create(
            ConsentEvent(
                subject=kept,
                purpose=e.purpose,
                state=e.state,
                at=e.at,
                channel=e.channel,
                recorded_by=e.recorded_by,
                notice_id=e.notice_id,
                requested_at=e.requested_at,
                double_opt_in=e.double_opt_in,
                merged_from=merged.id,
                privacy_notice_version=e.privacy_notice_version,
                privacy_notice_sha256=e.privacy_notice_sha256,
            )
            for e in events
        )
        log.record(
            actor,
            Action.CONSENT_CHANGE,
            subjects=[kept.id, merged.id],
            record_kind="consent",
            detail={"merged_from": str(merged.id), "events": len(events)},
        )
        forget([merged.id], actor=actor)
    return len(events)
