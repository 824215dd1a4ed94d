"""The consent ledger in data-subject requests: found by locate, part of the access export."""

from __future__ import annotations

from lethe.consent.evidence import consent_evidence
from lethe.consent.models import ConsentEvent
from lethe.dsr import collect, locate


@locate.holder("consent")
def consent_events(subject_ids):
    """Every consent event of the person (granted or withdrawn, per purpose)."""
    found: dict = {}
    rows = ConsentEvent.objects.filter(subject_id__in=subject_ids).values_list(
        "subject_id", "pk", "state", "purpose"
    )
    for subject, pk, state, purpose in rows.order_by("pk"):
        found.setdefault(subject, []).append(locate.Item("consent", str(pk), state, purpose))
    return found


@collect.section("consents")
def consents(actor, request, subjects):
    """The person's consent evidence, with the exact notice text they were shown."""
    return consent_evidence(subjects)
