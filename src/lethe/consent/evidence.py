"""Consent evidence for a person's access export (Art. 15 with Art. 7(1)).

`consent_evidence(subject_ids)` returns every ledger event of these subjects with the
exact notice text each grant was given on, as flat rows of plain values (what an
export section takes). The access export (lethe.dsr) is to add it as its "consents"
section; the caller has already passed the request's access rule.
"""

from __future__ import annotations

from collections.abc import Iterable
from uuid import UUID

from lethe.consent import notices
from lethe.consent.models import ConsentEvent


def consent_evidence(subject_ids: Iterable[UUID]) -> list[dict]:
    """Return the subjects' consent events, oldest first, as flat JSON-able dicts."""
    events = list(
        ConsentEvent.objects.filter(subject_id__in=set(subject_ids))
        .select_related("notice")
        .order_by("at", "id")
    )
    published = notices.versions(e.notice_id for e in events if e.notice_id)
    return [
        {
            "subject": str(e.subject_id),
            "purpose": e.purpose,
            "state": e.state,
            "at": e.at.isoformat(),
            "channel": e.channel,
            "recorded_by": e.recorded_by,
            "requested_at": e.requested_at.isoformat() if e.requested_at else None,
            "double_opt_in": e.double_opt_in,
            "notice_sha256": e.notice.sha256 if e.notice else None,
            "privacy_notice_version": e.privacy_notice_version,
            "privacy_notice_sha256": e.privacy_notice_sha256,
            "notice_text": e.notice.text if e.notice else None,
            "notice_versions": "; ".join(
                f"{v['purpose']} v{v['version']}" for v in published.get(e.notice_id, [])
            ),
        }
        for e in events
    ]
