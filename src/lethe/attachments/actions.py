"""The write (and read) path for attachments: checked, sealed, stored and audited here.

Views and the API resolve the record through the registry and call these; none of
them touches the store or the models directly.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from uuid import UUID, uuid4

from django.conf import settings
from django.db import transaction

from lethe.attachments import filetypes
from lethe.attachments.models import Attachment
from lethe.attachments.registry import Record
from lethe.attachments.store import BlobMissing, get_store
from lethe.audit import log
from lethe.audit.models import Action, Outcome
from lethe.core import records
from lethe.vault import documents
from lethe.vault.errors import AccessDenied
from lethe.vault.fields import Category
from lethe.vault.gate import ERASED, Erased, Masked
from lethe.vault.models import Document
from lethe.vault.policy import DEFAULT_SCOPE, Actor, Purpose, Role, may_write

NAME_KIND = "attachment.name"


class NotAllowed(PermissionError):
    """The actor's roles may not do this to the record's files."""


@dataclass(frozen=True)
class Listed:
    """An attachment as a list shows it: its name as the actor may read it."""

    attachment: Attachment
    name: str | Masked | Erased

    @property
    def readable(self) -> bool:
        return isinstance(self.name, str)


def check_read(actor: Actor, record: Record) -> None:
    """Raise NotAllowed unless the actor's roles may read the record's files."""
    if not record.may_read(actor):
        raise NotAllowed(f"{actor.label} may not read the files of this {record.kind}")


def may_change(actor: Actor, purpose: Purpose, record: Record) -> bool:
    """Return whether the actor may add and delete the record's files.

    Lethe's own jobs (demo data, imports) may, like they may write personal data.
    """
    if Role.SYSTEM in actor.roles:
        return True
    if not record.may_write(actor):
        return False
    if record.subject is None:
        return True
    return may_write(actor, purpose, DEFAULT_SCOPE, {record.subject.id}, {Category.CONTENT})


def _check_write(actor: Actor, purpose: Purpose, record: Record) -> None:
    if not may_change(actor, purpose, record):
        log.record(
            actor,
            Action.ACCESS_DENIED,
            outcome=Outcome.DENIED,
            subjects=[record.subject.id] if record.subject else (),
            denied_categories=[Category.CONTENT] if record.subject else (),
            purpose=purpose,
            record_kind=record.kind,
            record_id=str(record.object_id),
            detail={"attachments": "write"},
        )
        raise NotAllowed(f"{actor.label} may not change the files of this {record.kind}")


def _owner(attachment: Attachment):
    return attachment.subject if attachment.subject_id else attachment.record_key


def upload(
    actor: Actor, purpose: Purpose, record: Record, name: object, data: bytes, *, user=None
) -> Attachment:
    """Check, seal and store a file for the record; raise filetypes.Rejected naming the field.

    Nothing is written unless all of it is: a refused upload leaves no row, no sealed
    name and no file in the store.
    """
    _check_write(actor, purpose, record)
    checked = filetypes.check(name, data, max_bytes=settings.CONFIG.attachment_max_bytes)
    owner = record.subject or records.key_for(record.kind, record.object_id)
    attachment = Attachment(
        id=uuid4(),
        kind=record.kind,
        object_id=record.object_id,
        blob=uuid4(),
        content_type=checked.content_type,
        size=len(data),
        uploaded_by=user,
    )
    if record.subject is not None:
        attachment.subject = record.subject
    else:
        attachment.record_key = owner
    sealed = documents.seal_blob(actor, purpose, owner, attachment.blob, data)
    store = get_store()
    try:
        with transaction.atomic():
            [attachment.name] = documents.seal(actor, purpose, [(owner, NAME_KIND, checked.name)])
            attachment.save(force_insert=True)
            log.record(
                actor,
                Action.CREATE,
                subjects=[record.subject.id] if record.subject else (),
                categories=[Category.CONTENT] if record.subject else (),
                purpose=purpose,
                record_kind=record.kind,
                record_id=str(record.object_id),
                detail={"attachment": str(attachment.id), "bytes": len(data)},
            )
            store.put(attachment.blob, sealed)
    except BaseException:
        with contextlib.suppress(OSError):
            store.delete(attachment.blob)
        raise
    return attachment


def of_record(record: Record):
    """Return the record's attachments, newest first, with what a list needs."""
    return Attachment.objects.filter(kind=record.kind, object_id=record.object_id).select_related(
        "name", "uploaded_by"
    )


def listed(actor: Actor, purpose: Purpose, record: Record, attachments=None) -> list[Listed]:
    """Return the attachments (default: all of the record's), names opened in one batch."""
    check_read(actor, record)
    rows = list(of_record(record) if attachments is None else attachments)
    names = documents.open_many(actor, purpose, [a.name for a in rows])
    return [Listed(a, names[a.name_id]) for a in rows]


def find(record: Record, attachment_id: object) -> Attachment | None:
    """Return one of the record's attachments by id, or None."""
    try:
        pk = UUID(str(attachment_id))
    except ValueError:
        return None
    return (
        Attachment.objects.select_related("subject", "record_key", "name")
        .filter(pk=pk, kind=record.kind, object_id=record.object_id)
        .first()
    )


@dataclass(frozen=True)
class Opened:
    """A file's content and name, ready to be sent."""

    name: str
    content_type: str
    data: bytes


def download(
    actor: Actor, purpose: Purpose, record: Record, attachment: Attachment
) -> Opened | Erased:
    """Return the file, ERASED if its key is gone; NotAllowed/AccessDenied if not allowed.

    A person's file is read through the vault's role table and audited there.
    """
    check_read(actor, record)
    try:
        sealed = get_store().get(attachment.blob)
    except BlobMissing:
        return ERASED
    data = documents.open_blob(actor, purpose, _owner(attachment), attachment.blob, sealed)
    if data is ERASED:
        return ERASED
    name = documents.open_many(actor, purpose, [attachment.name])[attachment.name_id]
    if not isinstance(name, str):  # the content opened, so the name does too; but be sure
        raise AccessDenied("the file name may not be read")
    return Opened(name, attachment.content_type, data)


def delete(actor: Actor, purpose: Purpose, record: Record, attachment: Attachment) -> None:
    """Delete the attachment: its row and sealed name now, its file once committed."""
    _check_write(actor, purpose, record)
    with transaction.atomic():
        # The row goes with its name document (cascade); a signal deletes the file.
        Document.objects.filter(pk=attachment.name_id).delete()
        log.record(
            actor,
            Action.DELETE,
            subjects=[record.subject.id] if record.subject else (),
            purpose=purpose,
            record_kind=record.kind,
            record_id=str(record.object_id),
            detail={"attachment": str(attachment.id)},
        )
