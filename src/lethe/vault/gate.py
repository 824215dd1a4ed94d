"""The gate: the one way personal data is written, read, searched and shredded (SPEC I2).

Every call checks the actor's roles against the role table for the declared purpose
and appends one audit event in the same transaction as the work it records. Reads
are batched: whatever the number of subjects, a call costs one query for the values,
one for the keys and one for the audit event. Unwrapped data keys live only for the
duration of one call.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from uuid import UUID

from django.db import connections, transaction
from django.db.models import Count
from django.utils import timezone

from lethe.audit import log
from lethe.audit.models import Action, Outcome
from lethe.vault import blind, crypto, fields, keys, normalize
from lethe.vault.errors import AccessDenied, InvalidField, SubjectErased, SubjectRestricted
from lethe.vault.fields import Category, Index
from lethe.vault.models import BlindIndex, Document, PersonalHistory, PersonalValue, Subject
from lethe.vault.policy import (
    DEFAULT_SCOPE,
    Actor,
    Decision,
    Purpose,
    Role,
    ScopeKind,
    may_identify,
    may_shred,
    may_write,
    scope_kind,
)

VALUE_TABLE = PersonalValue._meta.db_table


@dataclass(frozen=True)
class Masked:
    """A value the actor may not read: its category is shown, the value is not."""

    category: Category

    def __str__(self):
        return f"\N{LOCK} {self.category}"


@dataclass(frozen=True)
class Erased:
    """A value whose key was shredded: it can never be read again."""

    def __str__(self):
        return "[erased]"


ERASED = Erased()


def _encode(value: object) -> bytes:
    """Return a value's plaintext: b"s" + UTF-8 for text, b"j" + JSON for lists and dicts."""
    if isinstance(value, str):
        return b"s" + value.encode()
    return b"j" + json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode()


_json = json.JSONDecoder().decode


def _decode(plaintext: bytes) -> object:
    text = plaintext[1:].decode()
    return text if plaintext[:1] == b"s" else _json(text)


def _seal(key, subject: UUID, scope: str, field: str, value: object) -> bytes:
    return crypto.seal(
        key, _encode(value), table=VALUE_TABLE, column=f"{scope}/{field}", row=str(subject)
    )


def _open(key, subject: UUID | str, scope: str, field: str, ciphertext: bytes) -> object:
    plaintext = crypto.open_(
        key, ciphertext, table=VALUE_TABLE, column=f"{scope}/{field}", row=str(subject)
    )
    return _decode(plaintext)


def _categories(values: Mapping[str, object]) -> set[Category]:
    return {fields.get(name).category for name in values}


def _deny(actor: Actor, action: Action, subjects, categories, purpose, message: str):
    """Record a refused call in its own transaction, then raise AccessDenied."""
    with transaction.atomic():
        log.record(
            actor,
            Action.ACCESS_DENIED,
            outcome=Outcome.DENIED,
            subjects=subjects,
            denied_categories=categories,
            purpose=purpose,
            detail={"attempted": str(action)},
        )
    raise AccessDenied(message)


def refuse_restricted(
    actor: Actor, subjects: Iterable[UUID], categories, purpose, names: Iterable[str] = ()
) -> None:
    """Refuse (audited) a write to the data of restricted subjects (Art. 18).

    Their data is kept but not used: only a data-subject request (a DPO inside its
    case, which `may_write` has checked) may change it, e.g. to rectify it.
    """
    subjects = sorted(set(subjects), key=str)
    if not subjects or Purpose(purpose) is Purpose.DATA_SUBJECT_REQUEST:
        return
    restricted = sorted(
        Subject.objects.filter(pk__in=subjects, status=Subject.Status.RESTRICTED).values_list(
            "pk", flat=True
        ),
        key=str,
    )
    if not restricted:
        return
    with transaction.atomic():
        log.record(
            actor,
            Action.ACCESS_DENIED,
            outcome=Outcome.DENIED,
            subjects=restricted,
            denied_categories=categories,
            purpose=purpose,
            detail={"attempted": str(Action.UPDATE), "reason": "restricted"},
        )
    raise SubjectRestricted(names)


def create_subjects(
    actor: Actor,
    purpose: Purpose,
    records: Iterable[Mapping[str, object]],
    *,
    scope: str = DEFAULT_SCOPE,
) -> list[Subject]:
    """Create one subject per mapping of personal fields and write them, as one batch."""
    cleaned = [fields.clean(dict(record)) for record in records]
    if not cleaned:
        return []
    categories = set().union(*(_categories(r) for r in cleaned))
    subjects = [Subject() for _ in cleaned]
    ids = [s.id for s in subjects]
    if not may_write(actor, purpose, scope, ids, categories, new_subjects=True):
        _deny(
            actor,
            Action.CREATE,
            (),
            categories,
            purpose,
            f"{actor.label} may not create personal data for {purpose}",
        )
    data_keys = keys.create((s, scope) for s in ids)
    indexer = blind.indexer()
    with transaction.atomic():
        _insert_subjects(subjects)
        _store(subjects, cleaned, scope, data_keys, indexer, replace=False)
        log.record(actor, Action.CREATE, subjects=ids, categories=categories, purpose=purpose)
    return subjects


def create_subject(
    actor: Actor, purpose: Purpose, values: Mapping[str, object], *, scope: str = DEFAULT_SCOPE
) -> Subject:
    """Create a subject with these personal fields."""
    return create_subjects(actor, purpose, [values], scope=scope)[0]


def write(
    actor: Actor,
    subject: Subject,
    values: Mapping[str, object],
    purpose: Purpose,
    *,
    scope: str = DEFAULT_SCOPE,
) -> None:
    """Set (or, with None, remove) personal fields of an existing subject."""
    cleaned = fields.clean(dict(values))
    categories = _categories(cleaned)
    if not may_write(actor, purpose, scope, [subject.id], categories):
        _deny(
            actor,
            Action.UPDATE,
            [subject.id],
            categories,
            purpose,
            f"{actor.label} may not write these fields for {purpose}",
        )
    refuse_restricted(actor, [subject.id], categories, purpose, cleaned)
    data_keys = keys.ensure([(subject.id, scope)])
    if data_keys[(subject.id, scope)] is None:
        raise SubjectErased(f"subject {subject.id} is erased in scope {scope}")
    with transaction.atomic():
        _store(
            [subject], [cleaned], scope, data_keys, blind.indexer(), replace=True, by=actor.label
        )
        log.record(
            actor,
            Action.UPDATE,
            subjects=[subject.id],
            categories=categories,
            purpose=purpose,
            detail={"fields": sorted(cleaned)},
        )


def _insert_subjects(subjects: list[Subject]) -> None:
    """Insert new subject rows in one executemany (the ORM's bulk_create costs more here)."""
    connection = connections[Subject.objects.db]
    meta = Subject._meta
    now = timezone.now()
    created = meta.get_field("created_at").get_db_prep_value(now, connection)
    for subject in subjects:
        subject.created_at = now
        subject._state.adding, subject._state.db = False, connection.alias
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        cursor.executemany(
            f"INSERT INTO {quote(meta.db_table)} (id, status, created_at) VALUES (%s, %s, %s)",  # noqa: S608
            [(meta.pk.get_db_prep_value(s.id, connection), s.status, created) for s in subjects],
        )


def _store(subjects, cleaned, scope, data_keys, indexer, *, replace: bool, by: str = "") -> None:
    """Write sealed values and blind index rows for a batch (inside the caller's transaction).

    When replacing, the old ciphertexts move to PersonalHistory unopened: the record
    history keeps old values only under the same key, so they vanish with it.
    """
    now = timezone.now()
    value_rows, index_rows = [], []
    for subject, values in zip(subjects, cleaned, strict=True):
        key = crypto.cipher(data_keys[(subject.id, scope)])
        for name, value in values.items():
            field = fields.get(name)
            if value is not None:
                value_rows.append(
                    (subject.id, scope, name, _seal(key, subject.id, scope, name, value))
                )
            if field.index and scope == DEFAULT_SCOPE and value is not None:
                index_rows.extend(
                    (subject.id, name, field.index.value, indexer.value(field.index, term))
                    for term in sorted(field.index_terms(value))
                )
    if replace:
        subject = subjects[0]
        old = PersonalValue.objects.filter(subject=subject, scope=scope, field__in=list(cleaned[0]))
        key = data_keys[(subject.id, scope)]
        PersonalHistory.objects.bulk_create(
            PersonalHistory(
                subject=subject,
                scope=scope,
                field=field,
                ciphertext=ciphertext,
                replaced_at=now,
                replaced_by=by,
            )
            for field, ciphertext in old.values_list("field", "ciphertext")
            if _open(key, subject.id, scope, field, ciphertext) != cleaned[0][field]
        )
        old.delete()
        if scope == DEFAULT_SCOPE:
            BlindIndex.objects.filter(subject=subject, field__in=list(cleaned[0])).delete()
    connection = connections[PersonalValue.objects.db]
    prep_id = Subject._meta.pk.get_db_prep_value
    prep_time = PersonalValue._meta.get_field("updated_at").get_db_prep_value
    stamp = prep_time(now, connection)
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        # executemany keeps large batches (demo data, imports) fast; building model
        # instances here costs an order of magnitude more. Only table and column
        # names from the models are interpolated; every value is a parameter.
        if value_rows:
            cursor.executemany(
                f"INSERT INTO {quote(VALUE_TABLE)} (subject_id, scope, field, ciphertext, "  # noqa: S608
                "updated_at) VALUES (%s, %s, %s, %s, %s)",
                [(prep_id(s, connection), sc, f, c, stamp) for s, sc, f, c in value_rows],
            )
        if index_rows:
            cursor.executemany(
                f"INSERT INTO {quote(BlindIndex._meta.db_table)} (subject_id, field, "  # noqa: S608
                f"{quote('index')}, value) VALUES (%s, %s, %s, %s)",
                [(prep_id(s, connection), f, i, v) for s, f, i, v in index_rows],
            )


def read(
    actor: Actor,
    subjects: Iterable[Subject | UUID],
    purpose: Purpose,
    *,
    names: Iterable[str] | None = None,
    scope: str = DEFAULT_SCOPE,
) -> dict[UUID, dict[str, object]]:
    """Return the named personal fields (default: all) of each subject, masked where denied.

    A value is the stored value, a Masked (the actor may not read its category),
    ERASED (its key was shredded) or absent (never set).
    """
    ids = list(dict.fromkeys(s.id if isinstance(s, Subject) else s for s in subjects))
    wanted = [fields.get(n) for n in (names if names is not None else fields.FIELDS)]
    decision = Decision(actor, purpose, scope, ids)
    allowed = {s: frozenset(decision.allowed(s)) for s in ids}
    readable = {f.name for f in wanted if any(f.category in a for a in allowed.values())}
    result: dict[UUID, dict[str, object]] = {s: {} for s in ids}
    shown, hidden = set(), set()
    with transaction.atomic():
        rows = _values(ids, scope) if readable and ids else []
        data_keys = keys.unwrap_many({(s, scope) for s, _, _ in rows})
        # One cipher and one id string per subject, not per value: a page decrypts hundreds.
        ciphers = {s: (crypto.cipher(k), str(s)) for (s, _), k in data_keys.items() if k}
        categories = {name: fields.get(name).category for name in readable}
        for subject, name, ciphertext in rows:
            if name not in readable or categories[name] not in allowed[subject]:
                continue
            cipher = ciphers.get(subject)
            result[subject][name] = (
                ERASED if cipher is None else _open(cipher[0], cipher[1], scope, name, ciphertext)
            )
        masks: dict[frozenset, dict[str, Masked]] = {}
        for subject in ids:
            grant = allowed[subject]
            if grant not in masks:  # most subjects of a page share one set of categories
                masks[grant] = {
                    f.name: Masked(f.category) for f in wanted if f.category not in grant
                }
                shown.update(f.category for f in wanted if f.category in grant)
                hidden.update(m.category for m in masks[grant].values())
            result[subject].update(masks[grant])
        outcome = (
            Outcome.DENIED
            if not shown and hidden
            else (Outcome.PARTIAL if hidden else Outcome.ALLOWED)
        )
        log.record(
            actor,
            Action.READ,
            outcome=outcome,
            subjects=ids,
            categories=shown,
            denied_categories=hidden,
            purpose=purpose,
        )
    return result


def read_scoped(
    actor: Actor,
    pairs: Iterable[tuple[UUID, str]],
    purpose: Purpose,
    *,
    names: Iterable[str],
) -> dict[tuple[UUID, str], dict[str, object]]:
    """Return the named fields of each (subject, scope) pair, masked where denied.

    The batched form of `read` for values spread over many scopes, such as the legal
    holds of a finance list (one scope per hold): one query for the values, one for
    the keys and one audit event, whatever the number of pairs.
    """
    pairs = list(dict.fromkeys(pairs))
    wanted = [fields.get(n) for n in names]
    # A decision depends on the kind of scope only: one per kind, for all its subjects.
    by_kind: dict[ScopeKind, tuple[str, set[UUID]]] = {}
    for subject, scope in pairs:
        by_kind.setdefault(scope_kind(scope), (scope, set()))[1].add(subject)
    decisions = {
        kind: Decision(actor, purpose, scope, ids) for kind, (scope, ids) in by_kind.items()
    }
    allowed = {(s, scope): frozenset(decisions[scope_kind(scope)].allowed(s)) for s, scope in pairs}
    result: dict[tuple[UUID, str], dict[str, object]] = {pair: {} for pair in pairs}
    shown, hidden = set(), set()
    readable = {f.name for f in wanted if any(f.category in a for a in allowed.values())}
    with transaction.atomic():
        rows = _scoped_values(pairs) if readable else []
        data_keys = keys.unwrap_many({(s, scope) for s, scope, _, _ in rows})
        for subject, scope, name, ciphertext in rows:
            pair = (subject, scope)
            if name not in readable or fields.get(name).category not in allowed[pair]:
                continue
            key = data_keys.get(pair)
            result[pair][name] = (
                ERASED if key is None else _open(key, subject, scope, name, ciphertext)
            )
        for pair in pairs:
            for field in wanted:
                if field.category in allowed[pair]:
                    shown.add(field.category)
                else:
                    hidden.add(field.category)
                    result[pair][field.name] = Masked(field.category)
        log.record(
            actor,
            Action.READ,
            outcome=Outcome.DENIED
            if not shown and hidden
            else (Outcome.PARTIAL if hidden else Outcome.ALLOWED),
            subjects=sorted({s for s, _ in pairs}),
            categories=shown,
            denied_categories=hidden,
            purpose=purpose,
            detail={"scopes": len({scope for _, scope in pairs})},
        )
    return result


def _scoped_values(pairs: list[tuple[UUID, str]]) -> list[tuple[UUID, str, str, bytes]]:
    """Return (subject, scope, field, ciphertext) of the values of these pairs, in one query."""
    if not pairs:
        return []
    connection = connections[PersonalValue.objects.db]
    by_db_id = {Subject._meta.pk.get_db_prep_value(s, connection): s for s, _ in pairs}
    scopes = sorted({scope for _, scope in pairs})
    wanted = set(pairs)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT subject_id, scope, field, ciphertext FROM {VALUE_TABLE} "  # noqa: S608
            f"WHERE scope IN ({', '.join(['%s'] * len(scopes))}) "
            f"AND subject_id IN ({', '.join(['%s'] * len(by_db_id))})",
            [*scopes, *by_db_id],
        )
        rows = [(by_db_id[s], scope, f, c) for s, scope, f, c in cursor.fetchall()]
    return [row for row in rows if (row[0], row[1]) in wanted]


def _values(ids: list[UUID], scope: str) -> list[tuple[UUID, str, bytes]]:
    """Return (subject, field, ciphertext) of the subjects' values in `scope`, in one query."""
    connection = connections[PersonalValue.objects.db]
    by_db_id = {Subject._meta.pk.get_db_prep_value(s, connection): s for s in ids}
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT subject_id, field, ciphertext FROM {VALUE_TABLE} WHERE scope = %s "  # noqa: S608
            f"AND subject_id IN ({', '.join(['%s'] * len(by_db_id))})",
            [scope, *by_db_id],
        )
        return [(by_db_id[s], f, c) for s, f, c in cursor.fetchall()]


def find(
    actor: Actor, field_name: str, query: str, purpose: Purpose, *, identify: bool = False
) -> list[UUID]:
    """Return the subjects whose field matches `query` (exact, or name prefixes), confirmed.

    The blind index gives candidates (truncation makes some false); the gate then
    decrypts the field of each candidate to keep only true matches, and returns only
    subjects whose field the actor may read for the purpose. With `identify`, an actor
    that `may_identify` (a DPO locating a request's subject) gets every match.
    """
    field = fields.get(field_name)
    if field.index is None:
        raise InvalidField(field_name, "cannot be searched")
    try:
        if field.index is Index.NAME:
            terms = normalize.name_query_terms(query)
        else:
            terms = list(
                field.index_terms(
                    field.cleaned(query) if not field.many else field.cleaned([query])
                )
            )
    except normalize.InvalidValue as exc:
        raise InvalidField(field_name, str(exc)) from None
    indexer = blind.indexer()
    with transaction.atomic():
        candidates: set[UUID] | None = None
        for term in terms:
            found = set(
                BlindIndex.objects.filter(
                    field=field_name,
                    index=field.index.value,
                    value=indexer.value(field.index, term),
                ).values_list("subject_id", flat=True)
            )
            candidates = found if candidates is None else candidates & found
        candidates = candidates or set()
        if identify and may_identify(actor, purpose):
            permitted = list(candidates)  # which subjects match, never their values
        else:
            decision = Decision(actor, purpose, DEFAULT_SCOPE, candidates)
            permitted = [s for s in candidates if field.category in decision.allowed(s)]
        rows = PersonalValue.objects.filter(
            subject__in=permitted, scope=DEFAULT_SCOPE, field=field_name
        ).values_list("subject_id", "ciphertext")
        data_keys = keys.unwrap_many({(s, DEFAULT_SCOPE) for s in permitted})
        matches = []
        wanted = set(terms)
        for subject, ciphertext in rows:
            key = data_keys.get((subject, DEFAULT_SCOPE))
            if key is None:
                continue
            if wanted <= field.index_terms(
                _open(key, subject, DEFAULT_SCOPE, field_name, ciphertext)
            ):
                matches.append(subject)
        denied = len(candidates) - len(permitted)
        log.record(
            actor,
            Action.SEARCH,
            outcome=Outcome.ALLOWED,
            subjects=matches,
            categories=[field.category],
            purpose=purpose,
            detail={"field": field_name, "matches": len(matches), "withheld": denied},
        )
    return sorted(matches)


def match(
    actor: Actor,
    field_name: str,
    terms: Iterable[str],
    purpose: Purpose,
    *,
    identify: bool = False,
) -> dict[str, set[UUID]]:
    """Return, for each normalised identifier term, the subjects that have it (confirmed).

    The batched form of `find` for exact identifiers (e-mail, phone, identity number),
    as duplicate detection over a whole import needs: one index query, one decryption
    pass and one audit event for all the terms. `identify` as for `find`.
    """
    field = fields.get(field_name)
    if field.index not in (Index.EMAIL, Index.PHONE, Index.PERSONNUMMER):
        raise InvalidField(field_name, "cannot be matched exactly")
    terms = set(terms)
    if not terms:
        return {}
    indexer = blind.indexer()
    by_value: dict[int, set[str]] = {}
    for term in terms:
        by_value.setdefault(indexer.value(field.index, term), set()).add(term)
    found: dict[str, set[UUID]] = {term: set() for term in terms}
    with transaction.atomic():
        candidates = set(
            BlindIndex.objects.filter(
                field=field_name, index=field.index.value, value__in=list(by_value)
            ).values_list("subject_id", flat=True)
        )
        if Role.SYSTEM in actor.roles or (identify and may_identify(actor, purpose)):
            permitted = candidates  # which subjects match, never their values
        else:
            decision = Decision(actor, purpose, DEFAULT_SCOPE, candidates)
            permitted = {s for s in candidates if field.category in decision.allowed(s)}
        rows = _values(list(permitted), DEFAULT_SCOPE) if permitted else []
        data_keys = keys.unwrap_many({(s, DEFAULT_SCOPE) for s in permitted})
        for subject, name, ciphertext in rows:
            key = data_keys.get((subject, DEFAULT_SCOPE))
            if name != field_name or key is None:
                continue
            value = _open(key, subject, DEFAULT_SCOPE, name, ciphertext)
            for term in field.index_terms(value) & terms:
                found[term].add(subject)
        matched = set().union(*found.values())
        log.record(
            actor,
            Action.SEARCH,
            subjects=matched,
            categories=[field.category],
            purpose=purpose,
            detail={
                "field": field_name,
                "terms": len(terms),
                "matches": len(matched),
                "withheld": len(candidates) - len(permitted),
            },
        )
    return found


def find_name(
    actor: Actor,
    query: str,
    purpose: Purpose,
    *,
    field_names: tuple[str, ...] = ("first_name", "last_name"),
    identify: bool = False,
) -> list[UUID]:
    """Return the subjects whose names hold every word of `query` as a whole word.

    Each word may be in any of the name fields ("Anna Berg" finds a first name Anna
    and a last name Berg). The blind indexes of the words are intersected before
    anything is decrypted, so only true candidates are opened: one index query per
    word, one for the values, one audit event. `identify` as for `find`.
    """
    fields_ = [fields.get(name) for name in field_names]
    if any(f.index is not Index.NAME for f in fields_):
        raise InvalidField(field_names[0], "is not a name")
    words = normalize.name_tokens(query)
    if not words:
        raise InvalidField("name", "enter at least one letter or digit")
    terms = {f"w:{word}" for word in words}
    indexer = blind.indexer()
    with transaction.atomic():
        candidates: set[UUID] | None = None
        for term in sorted(terms):
            found = set(
                BlindIndex.objects.filter(
                    field__in=field_names,
                    index=Index.NAME.value,
                    value=indexer.value(Index.NAME, term),
                ).values_list("subject_id", flat=True)
            )
            candidates = found if candidates is None else candidates & found
            if not candidates:
                break
        candidates = candidates or set()
        if Role.SYSTEM in actor.roles or (identify and may_identify(actor, purpose)):
            permitted = set(candidates)  # which subjects match, never their values
        else:
            decision = Decision(actor, purpose, DEFAULT_SCOPE, candidates)
            permitted = {s for s in candidates if Category.NAME in decision.allowed(s)}
        rows = _values(list(permitted), DEFAULT_SCOPE) if permitted else []
        data_keys = keys.unwrap_many({(s, DEFAULT_SCOPE) for s in permitted})
        held: dict[UUID, set[str]] = {}
        for subject, name, ciphertext in rows:
            key = data_keys.get((subject, DEFAULT_SCOPE))
            if name not in field_names or key is None:
                continue
            value = _open(key, subject, DEFAULT_SCOPE, name, ciphertext)
            held.setdefault(subject, set()).update(fields.get(name).index_terms(value))
        matches = sorted(s for s, found in held.items() if terms <= found)
        log.record(
            actor,
            Action.SEARCH,
            subjects=matches,
            categories=[Category.NAME],
            purpose=purpose,
            detail={
                "field": "name",
                "words": len(terms),
                "matches": len(matches),
                "withheld": len(candidates) - len(permitted),
            },
        )
    return matches


@dataclass(frozen=True)
class OldValue:
    """A replaced personal value: when, by whom, and the value as the actor may see it."""

    field: str
    replaced_at: object
    replaced_by: str
    value: object


def history(
    actor: Actor, subject: Subject | UUID, purpose: Purpose, *, limit: int = 200
) -> list[OldValue]:
    """Return the subject's replaced personal values, newest first, masked where denied."""
    subject_id = subject.id if isinstance(subject, Subject) else subject
    rows = list(
        PersonalHistory.objects.filter(subject_id=subject_id, scope=DEFAULT_SCOPE).values_list(
            "field", "ciphertext", "replaced_at", "replaced_by"
        )[:limit]
    )
    allowed = Decision(actor, purpose, DEFAULT_SCOPE, [subject_id]).allowed(subject_id)
    with transaction.atomic():
        key = keys.unwrap_many({(subject_id, DEFAULT_SCOPE)}).get((subject_id, DEFAULT_SCOPE))
        cipher = crypto.cipher(key) if key else None
        result, shown, hidden = [], set(), set()
        for name, ciphertext, replaced_at, replaced_by in rows:
            category = fields.get(name).category
            if category not in allowed:
                hidden.add(category)
                value = Masked(category)
            elif cipher is None:
                value = ERASED
            else:
                shown.add(category)
                value = _open(cipher, subject_id, DEFAULT_SCOPE, name, ciphertext)
            result.append(OldValue(name, replaced_at, replaced_by, value))
        if rows:
            log.record(
                actor,
                Action.READ,
                outcome=Outcome.DENIED
                if not shown and hidden
                else (Outcome.PARTIAL if hidden else Outcome.ALLOWED),
                subjects=[subject_id],
                categories=shown,
                denied_categories=hidden,
                purpose=purpose,
                detail={"history": len(rows)},
            )
    return result


def forget_field(actor: Actor, name: str) -> int:
    """Delete every value and old value of a personal field an admin has removed.

    Allowed to admins (who manage custom fields) and Lethe's own jobs; the values are
    never read. Returns how many subjects had a value.
    """
    if not (actor.roles & {Role.ADMIN, Role.SYSTEM}):
        _deny(actor, Action.DELETE, (), (), "", f"{actor.label} may not remove personal fields")
    field = fields.get(name)
    with transaction.atomic():
        values = PersonalValue.objects.filter(field=field.name)
        subjects = sorted(set(values.values_list("subject_id", flat=True)))
        values.delete()
        PersonalHistory.objects.filter(field=field.name).delete()
        BlindIndex.objects.filter(field=field.name).delete()
        log.record(
            actor,
            Action.DELETE,
            subjects=subjects,
            categories=[field.category],
            purpose=Purpose.ADMINISTRATION,
            detail={"field": field.name, "subjects": len(subjects)},
        )
    return len(subjects)


def copy(
    actor: Actor,
    subject: Subject,
    names: Iterable[str],
    *,
    scope: str,
    purpose: Purpose,
) -> list[str]:
    """Copy personal fields of a subject from the default scope into a legal-hold scope.

    Only Lethe's own jobs may: the values are opened and sealed again under the hold
    scope's key inside this call, and nobody sees them. Values already in the hold are
    replaced, so a repeated copy changes nothing. Returns the names of the fields copied
    (those the subject has).
    """
    if Role.SYSTEM not in actor.roles:
        _deny(actor, Action.CREATE, [subject.id], (), purpose, f"{actor.label} may not copy")
    if scope_kind(scope) is not ScopeKind.HOLD:
        raise ValueError("personal data is copied only into a legal-hold scope")
    names = {fields.get(n).name for n in names}
    rows = [(f, c) for _, f, c in _values([subject.id], DEFAULT_SCOPE) if f in names]
    categories = {fields.get(f).category for f, _ in rows}
    if not may_write(actor, purpose, scope, [subject.id], categories):
        _deny(actor, Action.CREATE, [subject.id], categories, purpose, "may not copy")
    source = keys.unwrap_many({(subject.id, DEFAULT_SCOPE)}).get((subject.id, DEFAULT_SCOPE))
    if source is None:
        raise SubjectErased(f"subject {subject.id} is erased")
    target = keys.ensure([(subject.id, scope)])[(subject.id, scope)]
    if target is None:
        raise SubjectErased(f"the hold {scope} of subject {subject.id} is released")
    source, target = crypto.cipher(source), crypto.cipher(target)
    copied = sorted(f for f, _ in rows)
    with transaction.atomic():
        PersonalValue.objects.filter(subject=subject, scope=scope, field__in=copied).delete()
        PersonalValue.objects.bulk_create(
            PersonalValue(
                subject=subject,
                scope=scope,
                field=name,
                ciphertext=_seal(
                    target,
                    subject.id,
                    scope,
                    name,
                    _open(source, subject.id, DEFAULT_SCOPE, name, ciphertext),
                ),
            )
            for name, ciphertext in rows
        )
        log.record(
            actor,
            Action.CREATE,
            subjects=[subject.id],
            categories=categories,
            purpose=purpose,
            detail={"copied": copied, "scope": scope},
        )
    return copied


def inventory(subject: Subject | UUID) -> dict:
    """Return how much is stored about a subject, by kind and scope: counts, nothing opened.

    For plans and certificates of data-subject requests, which must say what there is
    (and was) without showing any of it.
    """
    subject_id = subject.id if isinstance(subject, Subject) else subject
    values = PersonalValue.objects.filter(subject_id=subject_id).order_by()
    index = BlindIndex.objects.filter(subject_id=subject_id).order_by()
    return {
        "values": dict(values.values_list("scope").annotate(n=Count("id"))),
        "history": dict(
            PersonalHistory.objects.filter(subject_id=subject_id)
            .order_by()
            .values_list("scope")
            .annotate(n=Count("id"))
        ),
        "index": dict(index.values_list("index").annotate(n=Count("id"))),
        "texts": Document.objects.filter(subject_id=subject_id).count(),
    }


def key_destroyed(subject: Subject | UUID, scope: str = DEFAULT_SCOPE) -> bool:
    """Return whether the subject's data key for `scope` is destroyed (or never existed)."""
    subject_id = subject.id if isinstance(subject, Subject) else subject
    return keys.unwrap_many({(subject_id, scope)}).get((subject_id, scope)) is None


def purge(
    actor: Actor, subject: Subject | UUID, *, scope: str = DEFAULT_SCOPE, reason: str
) -> dict:
    """Delete the ciphertexts a destroyed key sealed: the subject's values and old values in
    `scope` and, for the default scope, their index rows and sealed texts.

    They are unreadable already; deleting them keeps nothing that looks like data. Refused
    while the key exists (shred it first). Returns the counts deleted.
    """
    subject_id = subject.id if isinstance(subject, Subject) else subject
    if not REASON_CODE.fullmatch(reason):
        raise ValueError("reason must be a code such as 'dsr:12'")
    if not may_shred(actor):
        _deny(actor, Action.DELETE, [subject_id], (), "", f"{actor.label} may not erase data")
    if not key_destroyed(subject_id, scope):
        raise ValueError(f"the key of {subject_id} ({scope}) still exists: shred it first")
    where = {"subject_id": subject_id, "scope": scope}
    with transaction.atomic():
        counts = {
            "values": PersonalValue.objects.filter(**where).delete()[0],
            "history": PersonalHistory.objects.filter(**where).delete()[0],
        }
        if scope == DEFAULT_SCOPE:
            counts["index"] = BlindIndex.objects.filter(subject_id=subject_id).delete()[0]
            texts = Document.objects.filter(subject_id=subject_id)
            counts["texts"] = texts.count()
            texts.delete()  # (a file's sealed name takes its attachment row with it)
        log.record(
            actor,
            Action.DELETE,
            subjects=[subject_id],
            purpose="",
            detail={"scope": scope, "reason": reason, **counts},
        )
    return counts


REASON_CODE = re.compile(r"[A-Za-z0-9_.:-]{1,64}")


def shred(actor: Actor, subject: Subject, *, scope: str = DEFAULT_SCOPE, reason: str) -> None:
    """Destroy the subject's data key for `scope`, so every copy of that data is unreadable.

    For the default scope the subject's blind index rows go too (they are derived
    from its data) and the subject is marked erased.
    """
    if not REASON_CODE.fullmatch(reason):
        # The reason goes into the audit log, which is never erased: a code, not prose.
        raise ValueError("reason must be a code such as 'erasure_request' or 'dsr:DSR-12'")
    if not may_shred(actor):
        _deny(
            actor,
            Action.ERASURE,
            [subject.id],
            (),
            "",
            f"{actor.label} may not erase personal data",
        )
    destroyed = keys.shred(subject.id, scope)
    with transaction.atomic():
        if scope == DEFAULT_SCOPE:
            BlindIndex.objects.filter(subject=subject).delete()
            subject.status = Subject.Status.ERASED
            subject.erased_at = timezone.now()
            subject.save(update_fields=["status", "erased_at"])
        log.record(
            actor,
            Action.ERASURE,
            subjects=[subject.id],
            purpose="",
            detail={"scope": scope, "key_destroyed": destroyed, "reason": reason},
        )


def keyed_digest(label: str, text: str) -> str:
    """Return a keyed hash of `text` for a look-up list that holds no plaintext.

    The suppression list and the portal's address hashes use it; the key never leaves
    the vault (lethe.vault.blind.keyed_digest).
    """
    return blind.keyed_digest(label, text)
