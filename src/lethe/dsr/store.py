"""The export store: sealed files made for requests, kept 7 days, downloads audited.

Each export is sealed under a record key of its own and written to the same kind of
file store as attachments, under `<data dir>/exports/`. `purge` (expiry, or the
erasure of a person) destroys the key and deletes the file, so a copy of the file
taken earlier stays unreadable (SPEC I3).
"""

from __future__ import annotations

from datetime import timedelta
from uuid import uuid4

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from lethe.attachments.store import FileStore
from lethe.audit import log
from lethe.audit.models import Action
from lethe.dsr.models import Export, Request
from lethe.vault import documents
from lethe.vault.gate import Erased
from lethe.vault.policy import Actor, Purpose

KEEP = timedelta(days=7)
PURPOSE = Purpose.DATA_SUBJECT_REQUEST


class ExportGone(LookupError):
    """The export expired, was purged, or its key is gone."""


def _files() -> FileStore:
    return FileStore(settings.CONFIG.data_dir / "exports")


def save(
    actor: Actor, request: Request, kind: str, filename: str, content_type: str, data: bytes
) -> Export:
    """Seal and store one export of `request`; audited as an export of its subjects."""
    key = documents.new_record_key("export")
    export = Export(
        id=uuid4(),
        request=request,
        kind=kind,
        filename=filename,
        content_type=content_type,
        record_key=key,
        size=len(data),
        expires_at=timezone.now() + KEEP,
    )
    sealed = documents.seal_blob(actor, PURPOSE, key, export.id, data)
    _files().put(export.id, sealed)
    try:
        with transaction.atomic():
            export.save()
            log.record(
                actor,
                Action.EXPORT,
                subjects=_subjects(request),
                purpose=PURPOSE,
                record_kind="dsr_export",
                record_id=str(export.id),
                detail={"kind": kind, "request": request.pk, "bytes": len(data)},
            )
    except BaseException:
        _files().delete(export.id)
        raise
    return export


def open_export(actor: Actor, export: Export, *, channel: str) -> bytes:
    """Return the export's bytes and audit the download; ExportGone if no longer there."""
    if not export.available():
        raise ExportGone(str(export.id))
    sealed = _files().get(export.id)
    data = documents.open_blob(actor, PURPOSE, export.record_key, export.id, sealed)
    if isinstance(data, Erased):
        raise ExportGone(str(export.id))
    with transaction.atomic():
        Export.objects.filter(pk=export.pk).update(downloads=F("downloads") + 1)
        log.record(
            actor,
            Action.EXPORT,
            subjects=_subjects(export.request),
            purpose=PURPOSE,
            record_kind="dsr_export",
            record_id=str(export.id),
            detail={"download": channel, "request": export.request_id},
        )
    return data


def purge(actor: Actor, exports, *, reason: str) -> int:
    """Destroy the keys of these exports and delete their files."""
    exports = [e for e in exports if e.purged_at is None]
    if not exports:
        return 0
    documents.shred_records(actor, [e.record_key for e in exports], reason=reason)
    now = timezone.now()
    Export.objects.filter(pk__in=[e.pk for e in exports]).update(purged_at=now)
    files = _files()
    for export in exports:
        files.delete(export.id)
        export.purged_at = now
    return len(exports)


def purge_expired(actor: Actor, now=None) -> int:
    """Purge every export past its expiry (run by the worker and by `lethe dsr purge`)."""
    now = now or timezone.now()
    expired = Export.objects.filter(purged_at__isnull=True, expires_at__lte=now)
    return purge(actor, list(expired.select_related("record_key")), reason="export_expired")


def _subjects(request: Request) -> list[str]:
    return sorted(
        str(s) for s in request.subjects.filter(confirmed=True).values_list("subject_id", flat=True)
    )
