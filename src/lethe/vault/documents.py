"""Sealed free text and files: under a person's key, or under a record key of its own.

Text about a person (an activity logged on a contact, a note) is personal data of
that subject: it is sealed under the subject's default-scope key, written and read
through the role table for the category `user.content`, audited like every other
personal field, and unreadable once the subject is erased. Text and files that belong
to a company or a deal are sealed under a `RecordKey` of that record, which the
record's deletion destroys; access to them is the record's access rule, checked by
the caller, and their reads are not personal-data reads.

Ciphertexts are bound to their place (kind, owner and id), so one cannot be moved to
another record, person or kind.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from uuid import UUID, uuid4

from django.db import transaction
from django.utils import timezone

from lethe.audit import log
from lethe.audit.models import Action, Outcome
from lethe.vault import crypto, keys
from lethe.vault.errors import AccessDenied, SubjectErased
from lethe.vault.fields import MAX_TEXT, Category
from lethe.vault.gate import ERASED, Erased, Masked, _deny, refuse_restricted
from lethe.vault.models import Document, RecordKey, Subject
from lethe.vault.policy import DEFAULT_SCOPE, Actor, Decision, Purpose, Role, may_write

RECORD_SCOPE = "record"
TEXT_TABLE = Document._meta.db_table
BLOB_TABLE = "attachment"
CONTENT = Category.CONTENT

Owner = Subject | RecordKey


def _key_pair(owner: Owner) -> tuple[UUID, str]:
    if isinstance(owner, Subject):
        return owner.id, DEFAULT_SCOPE
    return owner.id, RECORD_SCOPE


def _place(owner_id: UUID, kind: str, item: UUID) -> dict[str, str]:
    return {"column": kind, "row": f"{owner_id}/{item}"}


def new_record_keys(kind: str, count: int) -> list[RecordKey]:
    """Create `count` record keys for records of `kind` (company, deal, activity)."""
    records = [RecordKey(id=uuid4(), kind=kind) for _ in range(count)]
    if records:
        keys.create((r.id, RECORD_SCOPE) for r in records)
        RecordKey.objects.bulk_create(records)
    return records


def new_record_key(kind: str) -> RecordKey:
    """Create one record key."""
    return new_record_keys(kind, 1)[0]


def _owner_key(document: Document) -> tuple[UUID, str]:
    if document.subject_id is not None:
        return document.subject_id, DEFAULT_SCOPE
    return document.record_key_id, RECORD_SCOPE


def _check_write(actor: Actor, purpose: Purpose, subjects: set[UUID], action: Action) -> None:
    if subjects and not may_write(actor, purpose, DEFAULT_SCOPE, subjects, {CONTENT}):
        _deny(
            actor,
            action,
            sorted(subjects),
            [CONTENT],
            purpose,
            f"{actor.label} may not write notes about these people for {purpose}",
        )
    refuse_restricted(actor, subjects, [CONTENT], purpose)


def _clean_text(text: object) -> str:
    if not isinstance(text, str):
        raise ValueError("text must be a string")
    if len(text) > MAX_TEXT:
        raise ValueError(f"text must be at most {MAX_TEXT} characters")
    return text


def _usable_keys(pairs: set[tuple[UUID, str]]) -> dict[tuple[UUID, str], object]:
    found = keys.unwrap_many(pairs)
    for pair in pairs:
        if found.get(pair) is None:
            raise SubjectErased(f"the key of {pair[0]} ({pair[1]}) is destroyed")
    return {pair: crypto.cipher(key) for pair, key in found.items()}


def seal(actor: Actor, purpose: Purpose, items: Sequence[tuple[Owner, str, str]]) -> list[Document]:
    """Seal and store texts, each (owner, kind, text); one audit event for the batch."""
    texts = [(owner, kind, _clean_text(text)) for owner, kind, text in items]
    if not texts:
        return []
    subjects = {owner.id for owner, _, _ in texts if isinstance(owner, Subject)}
    _check_write(actor, purpose, subjects, Action.CREATE)
    ciphers = _usable_keys({_key_pair(owner) for owner, _, _ in texts})
    documents = []
    for owner, kind, text in texts:
        document = Document(id=uuid4(), kind=kind)
        if isinstance(owner, Subject):
            document.subject_id = owner.id
        else:
            document.record_key_id = owner.id
        document.ciphertext = crypto.seal(
            ciphers[_key_pair(owner)],
            text.encode(),
            table=TEXT_TABLE,
            **_place(owner.id, kind, document.id),
        )
        documents.append(document)
    with transaction.atomic():
        Document.objects.bulk_create(documents)
        if subjects:
            log.record(
                actor,
                Action.CREATE,
                subjects=sorted(subjects),
                categories=[CONTENT],
                purpose=purpose,
                detail={"documents": len(documents)},
            )
    return documents


def replace(actor: Actor, purpose: Purpose, document: Document, text: str) -> None:
    """Replace the text of a document (same owner, same kind)."""
    text = _clean_text(text)
    subjects = {document.subject_id} if document.subject_id else set()
    _check_write(actor, purpose, subjects, Action.UPDATE)
    pair = _owner_key(document)
    cipher = _usable_keys({pair})[pair]
    document.ciphertext = crypto.seal(
        cipher, text.encode(), table=TEXT_TABLE, **_place(pair[0], document.kind, document.id)
    )
    with transaction.atomic():
        document.save(update_fields=["ciphertext", "updated_at"])
        if subjects:
            log.record(
                actor,
                Action.UPDATE,
                subjects=sorted(subjects),
                categories=[CONTENT],
                purpose=purpose,
                detail={"documents": 1},
            )


def open_many(
    actor: Actor, purpose: Purpose, documents: Iterable[Document]
) -> dict[UUID, str | Masked | Erased]:
    """Return the text of each document: masked where the role may not read the person's.

    One key query for the lot and, when any text is a person's, one audit event.
    """
    documents = list(documents)
    subjects = {d.subject_id for d in documents if d.subject_id is not None}
    decision = Decision(actor, purpose, DEFAULT_SCOPE, subjects) if subjects else None
    readable = {s for s in subjects if CONTENT in decision.allowed(s)}
    wanted = [d for d in documents if d.subject_id is None or d.subject_id in readable]
    with transaction.atomic():
        found = keys.unwrap_many({_owner_key(d) for d in wanted})
        ciphers = {pair: crypto.cipher(key) for pair, key in found.items() if key is not None}
        result: dict[UUID, str | Masked | Erased] = {}
        for document in documents:
            pair = _owner_key(document)
            if document.subject_id is not None and document.subject_id not in readable:
                result[document.id] = Masked(CONTENT)
            elif pair not in ciphers:
                result[document.id] = ERASED
            else:
                result[document.id] = crypto.open_(
                    ciphers[pair],
                    document.ciphertext,
                    table=TEXT_TABLE,
                    **_place(pair[0], document.kind, document.id),
                ).decode()
        if subjects:
            hidden = subjects - readable
            log.record(
                actor,
                Action.READ,
                outcome=Outcome.DENIED
                if not readable
                else (Outcome.PARTIAL if hidden else Outcome.ALLOWED),
                subjects=sorted(subjects),
                categories=[CONTENT] if readable else [],
                denied_categories=[CONTENT] if hidden else [],
                purpose=purpose,
                detail={"documents": len(documents)},
            )
    return result


def seal_blob(actor: Actor, purpose: Purpose, owner: Owner, blob: UUID, data: bytes) -> bytes:
    """Return `data` (a file's content) sealed under the owner's key for the place `blob`.

    The caller stores the result (e.g. in the attachment store) and records one audit
    event for the record it attaches the file to.
    """
    subjects = {owner.id} if isinstance(owner, Subject) else set()
    _check_write(actor, purpose, subjects, Action.CREATE)
    pair = _key_pair(owner)
    cipher = _usable_keys({pair})[pair]
    return crypto.seal(cipher, bytes(data), table=BLOB_TABLE, **_place(owner.id, "file", blob))


def open_blob(
    actor: Actor, purpose: Purpose, owner: Owner, blob: UUID, sealed: bytes
) -> bytes | Erased:
    """Return a file's content, or ERASED if its key is gone; AccessDenied if not allowed.

    A person's file is their personal data (category user.content): reading it is
    checked against the role table and audited.
    """
    pair = _key_pair(owner)
    if isinstance(owner, Subject):
        decision = Decision(actor, purpose, DEFAULT_SCOPE, [owner.id])
        if CONTENT not in decision.allowed(owner.id):
            _deny(
                actor,
                Action.READ,
                [owner.id],
                [CONTENT],
                purpose,
                f"{actor.label} may not read this person's files for {purpose}",
            )
    with transaction.atomic():
        key = keys.unwrap_many({pair}).get(pair)
        if isinstance(owner, Subject):
            log.record(
                actor,
                Action.READ,
                subjects=[owner.id],
                categories=[CONTENT],
                purpose=purpose,
                detail={"file": str(blob)},
            )
    if key is None:
        return ERASED
    return crypto.open_(
        crypto.cipher(key), sealed, table=BLOB_TABLE, **_place(owner.id, "file", blob)
    )


def shred_records(actor: Actor, records: Iterable[RecordKey], *, reason: str) -> int:
    """Destroy record keys (the record was deleted): their texts and files become noise."""
    records = [r for r in records if r.shredded_at is None]
    now = timezone.now()
    for record in records:
        keys.shred(record.id, RECORD_SCOPE)
    with transaction.atomic():
        RecordKey.objects.filter(id__in=[r.id for r in records]).update(shredded_at=now)
        Document.objects.filter(record_key__in=[r.id for r in records]).delete()
        if records:
            log.record(
                actor,
                Action.DELETE,
                record_kind="record_key",
                purpose="",
                detail={"keys_destroyed": len(records), "reason": reason},
            )
    for record in records:
        record.shredded_at = now
    return len(records)


def _only_system(actor: Actor, what: str) -> None:
    if Role.SYSTEM not in actor.roles:
        raise AccessDenied(f"{actor.label} may not {what}; only Lethe's own jobs do")


def move_to_subject(actor: Actor, documents: Iterable[Document], subject: Subject) -> int:
    """Re-seal texts under another person's key (two records of one person were merged).

    Only Lethe's own jobs (the merge runs as one) may: the texts are opened and sealed
    again without anyone reading them. Returns how many moved.
    """
    _only_system(actor, "move sealed texts between people")
    documents = [d for d in documents if d.subject_id != subject.id]
    if not documents:
        return 0
    found = keys.unwrap_many({_owner_key(d) for d in documents} | {(subject.id, DEFAULT_SCOPE)})
    target = found.get((subject.id, DEFAULT_SCOPE))
    if target is None:
        raise SubjectErased(f"subject {subject.id} is erased")
    target = crypto.cipher(target)
    with transaction.atomic():
        for document in documents:
            pair = _owner_key(document)
            if found.get(pair) is None:
                continue  # already unreadable: nothing to carry over
            text = crypto.open_(
                crypto.cipher(found[pair]),
                document.ciphertext,
                table=TEXT_TABLE,
                **_place(pair[0], document.kind, document.id),
            )
            document.ciphertext = crypto.seal(
                target, text, table=TEXT_TABLE, **_place(subject.id, document.kind, document.id)
            )
            document.subject_id, document.record_key_id = subject.id, None
            document.save(update_fields=["ciphertext", "subject", "record_key", "updated_at"])
    return len(documents)


def move_blob(
    actor: Actor, source: Owner, target: Owner, blob: UUID, sealed: bytes, *, new_blob: UUID
) -> bytes:
    """Return a file sealed under `source` for `blob`, sealed again under `target` for
    `new_blob` (for merges: the caller stores it under the new id, so the old file stays
    valid until the merge commits)."""
    _only_system(actor, "move sealed files between owners")
    pairs = {_key_pair(source), _key_pair(target)}
    ciphers = _usable_keys(pairs)
    data = crypto.open_(
        ciphers[_key_pair(source)], sealed, table=BLOB_TABLE, **_place(source.id, "file", blob)
    )
    return crypto.seal(
        ciphers[_key_pair(target)], data, table=BLOB_TABLE, **_place(target.id, "file", new_blob)
    )


def rewrite(
    actor: Actor, documents: Iterable[Document], change: Callable[[str], str], *, reason: str
) -> int:
    """Open each text, apply `change` and seal the result again, under the same key.

    For Lethe's own jobs that must edit text nobody reads: a merge pointing mentions
    of one contact at another, an erasure replacing a person's mentions. One audit
    event names the people whose texts changed. Returns how many changed.
    """
    _only_system(actor, "rewrite sealed texts")
    documents = list(documents)
    found = keys.unwrap_many({_owner_key(d) for d in documents})
    changed = []
    for document in documents:
        pair = _owner_key(document)
        if found.get(pair) is None:
            continue
        cipher = crypto.cipher(found[pair])
        place = _place(pair[0], document.kind, document.id)
        text = crypto.open_(cipher, document.ciphertext, table=TEXT_TABLE, **place).decode()
        new = change(text)
        if new != text:
            document.ciphertext = crypto.seal(cipher, new.encode(), table=TEXT_TABLE, **place)
            changed.append(document)
    with transaction.atomic():
        for document in changed:
            document.save(update_fields=["ciphertext", "updated_at"])
        if changed:
            log.record(
                actor,
                Action.UPDATE,
                subjects=sorted({d.subject_id for d in changed if d.subject_id}),
                categories=[CONTENT],
                purpose="",
                detail={"documents": len(changed), "reason": reason},
            )
    return len(changed)


def delete_many(ids: Iterable[UUID]) -> int:
    """Delete sealed texts whose record is deleted (their key may live on elsewhere)."""
    deleted, _ = Document.objects.filter(id__in=list(ids)).delete()
    return deleted


__all__ = [
    "ERASED",
    "RECORD_SCOPE",
    "AccessDenied",
    "Masked",
    "delete_many",
    "move_blob",
    "move_to_subject",
    "new_record_key",
    "new_record_keys",
    "open_blob",
    "open_many",
    "replace",
    "rewrite",
    "seal",
    "seal_blob",
    "shred_records",
]
