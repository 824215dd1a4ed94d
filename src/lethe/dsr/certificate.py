"""The erasure certificate: what was erased, what is kept, why and until when, and the
audit event that records the erasure with its proof of inclusion in the signed log.

It holds counts, record ids, pseudonyms, legal bases and dates: no personal data. It is
built once per run (so an interrupted run saves the same certificate when it resumes)
and stored as JSON and HTML in the export store (kind "erasure.certificate"); the
request's outcome keeps the JSON too, as the files expire with every export.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING
from uuid import UUID

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import timezone

from lethe.audit import checkpoints, proofs
from lethe.dsr import store
from lethe.dsr.models import Export
from lethe.holds.models import LegalHold

if TYPE_CHECKING:
    from lethe.dsr.erasure import Run

FORMAT = "lethe-erasure-certificate/1"
CERTIFICATE = "erasure.certificate"  # the kind of its exports

WHY_HOLD = "kept under a legal obligation (Art. 17(3)(b)), readable only for that purpose"
WHY_AUDIT = (
    "the audit log proves how personal data was handled (Art. 5(2)); it holds "
    "pseudonyms and category names only"
)
WHY_REQUEST = (
    "evidence that the request was received, verified and carried out (Art. 5(2), 12); "
    "the identifiers the requester gave stay sealed under the request's own key"
)
WHY_SUPPRESSION = (
    "keyed hashes of the e-mail addresses and phone numbers, so that a later import or "
    "form cannot silently bring the person back; the values cannot be read from them"
)


def hold_entry(hold: LegalHold) -> dict:
    """Return a hold as the plan and the certificate list it: what, why and until when."""
    return {
        "hold": hold.pk,
        "kind": hold.kind,
        "record": f"{hold.record_kind}:{hold.record_id}",
        "legal_basis": hold.legal_basis,
        "until": hold.ends_on.isoformat(),
        "why": WHY_HOLD,
    }


def _count(value) -> int:
    return len(value) if isinstance(value, list) else int(value)


def _kept_holds(subject: UUID) -> list[dict]:
    held = LegalHold.objects.filter(subject_id=subject, released_at__isnull=True).order_by("pk")
    return [{**hold_entry(hold), "fields": sorted(hold.fields)} for hold in held]


def _subject(run: Run, subject: UUID) -> dict:
    planned = run.result("survey", subject)
    erased = {k: _count(v) for k, v in planned["erase"].items() if k not in ("key",)}
    suppressed = run.result("suppression", subject)
    return {
        "subject": str(subject),
        "erased": {**erased, "key": "destroyed (default scope)"},
        "anonymised": {
            "deals": planned["anonymise"]["deals"],
            "mentions_rewritten": run.result("mentions", subject)["activities"],
            "tags": planned["anonymise"]["tags"],
        },
        "kept": _kept_holds(subject),
        "suppressed": {"email": suppressed["email"], "phone": suppressed["phone"]},
    }


def build(run: Run, subjects: list[UUID]) -> dict:
    """Return the certificate of a run whose subjects are erased and audited."""
    seq = run.result("audited")["seq"]
    checkpoints.create()  # sign a tree head that covers the erasure's event
    request = run.request
    return {
        "format": FORMAT,
        "request": request.pk,
        "kind": request.kind,
        "received_on": request.received_on.isoformat(),
        "due_on": request.deadline.isoformat(),
        "erased_at": timezone.now().isoformat(timespec="seconds"),
        "subjects": [_subject(run, s) for s in subjects],
        "kept_for_all": [
            {
                "what": "audit events about the person",
                "why": WHY_AUDIT,
                "until": f"{settings.CONFIG.audit_retention_years} years after each event",
            },
            {
                "what": "this request's record and its log",
                "why": WHY_REQUEST,
                "until": "as long as the request must be shown to have been handled",
            },
            {"what": "suppression list entries", "why": WHY_SUPPRESSION, "until": "no end"},
        ],
        "audit_event": {
            "seq": seq,
            "inclusion_proof": proofs.inclusion(seq),
            "check_with": "lethe audit check-proof FILE (FILE: the inclusion_proof object)",
        },
    }


def _saved(run: Run, filename: str, content_type: str, data: bytes) -> Export:
    existing = Export.objects.filter(
        request=run.request, kind=CERTIFICATE, filename=filename, purged_at__isnull=True
    ).first()
    if existing is not None:  # saved by a run that stopped before recording it
        return existing
    return store.save(run.actor, run.request, CERTIFICATE, filename, content_type, data)


def render_html(certificate: dict) -> str:
    """Return the certificate as a standalone HTML document (no scripts, no styles)."""
    return render_to_string("dsr/erasure_certificate.html", {"c": certificate})


def save(run: Run) -> dict:
    """Store the run's certificate as JSON and HTML; return the two exports' ids."""
    certificate = run.result("certify")
    stem = f"dsr-{run.request.pk}-erasure-certificate"
    as_json = json.dumps(certificate, indent=2, sort_keys=True).encode()
    saved_json = _saved(run, f"{stem}.json", "application/json", as_json)
    as_html = render_html(certificate).encode()
    saved_html = _saved(run, f"{stem}.html", "text/html; charset=utf-8", as_html)
    return {"json": str(saved_json.pk), "html": str(saved_html.pk)}
