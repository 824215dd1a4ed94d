"""Who may be used for direct marketing: the one filter marketing lists and exports pass.

`eligible(subject_ids)` does all of it: the purpose's legal basis is met (an active
consent, or under legitimate interest no withdrawal or objection), and the subject is
neither restricted (Art. 18), nor objected (Art. 21), nor suppressed (a keyed hash of
one of their e-mail addresses is on the suppression list for objection or erasure).

`permitted` is the part that needs no personal data (the ledger and the subject's
status); the policy's "consented" condition uses it (lethe.contacts.relations), so the
marketing role reads name and e-mail only of those subjects.
"""

from __future__ import annotations

from collections.abc import Iterable
from uuid import UUID

from lethe.consent import ledger
from lethe.consent.models import State
from lethe.dsr import suppression
from lethe.dsr.models import Suppression
from lethe.vault import gate
from lethe.vault.models import Subject
from lethe.vault.policy import Actor, Purpose, Role

CONSENT = "consent"
LEGITIMATE_INTEREST = "legitimate_interest"

# The legal basis of each purpose (Art. 6(1)(a) or (f)); the purposes registry
# (lethe.purposes) is to answer this once it exists.
BASES = {Purpose.DIRECT_MARKETING: CONSENT}

SUPPRESSED_FOR = (Suppression.Reason.OBJECTION, Suppression.Reason.ERASURE)

# Reads the e-mail addresses of permitted subjects to check them against the
# suppression list: a job of Lethe's own with exactly the marketing role's reach.
CHECKER = Actor("system", "marketing-eligibility", frozenset({Role.MARKETING}))


def legal_basis(purpose: Purpose) -> str:
    """Return the legal basis of the purpose: consent unless the registry says otherwise."""
    return BASES.get(Purpose(purpose), CONSENT)


def active(subject_ids: Iterable[UUID]) -> set[UUID]:
    """Return the subjects that are neither restricted nor erased."""
    ids = set(subject_ids)
    found = set()
    for chunk in ledger.chunks(ids):
        found |= set(
            Subject.objects.filter(id__in=chunk, status=Subject.Status.ACTIVE).values_list(
                "id", flat=True
            )
        )
    return found


def permitted(subject_ids: Iterable[UUID], purpose: Purpose) -> set[UUID]:
    """Return the active subjects the purpose's legal basis allows, from the ledger alone.

    Consent: the latest event is a grant. Legitimate interest: no event is needed, but
    a withdrawal counts as an objection.
    """
    ids = active(subject_ids)
    if not ids:
        return set()
    if legal_basis(purpose) == LEGITIMATE_INTEREST:
        return ids - ledger.in_state(ids, purpose, State.WITHDRAWN)
    return ledger.consented(ids, purpose)


def restricted(subject_ids: Iterable[UUID]) -> set[UUID]:
    """Return the subjects whose processing is restricted (Art. 18)."""
    ids = set(subject_ids)
    found = set()
    for chunk in ledger.chunks(ids):
        found |= set(
            Subject.objects.filter(id__in=chunk, status=Subject.Status.RESTRICTED).values_list(
                "id", flat=True
            )
        )
    return found


def objected(subject_ids: Iterable[UUID]) -> set[UUID]:
    """Return the subjects who objected to direct marketing (Art. 21): the objection
    register (lethe.dsr.objection); their addresses are also suppressed (`suppressed`)."""
    from lethe.dsr import objection

    return objection.objected(subject_ids)


def suppressed(subject_ids: Iterable[UUID], purpose: Purpose) -> set[UUID]:
    """Return the subjects with an e-mail address suppressed for objection or erasure."""
    ids = set(subject_ids)
    if not ids:
        return set()
    emails = gate.read(CHECKER, ids, purpose, names=["email"])
    values = {
        (subject, address)
        for subject, fields in emails.items()
        if isinstance(fields.get("email"), list)
        for address in fields["email"]
    }
    hits = suppression.matches(
        [(Suppression.Kind.EMAIL, address) for _, address in values], reasons=SUPPRESSED_FOR
    )
    hit_addresses = {value for _, value in hits}
    return {subject for subject, address in values if address in hit_addresses}


def eligible(subject_ids: Iterable[UUID], purpose: Purpose = Purpose.DIRECT_MARKETING) -> set[UUID]:
    """Return the subjects a marketing list may show and export: every filter applied."""
    ids = permitted(subject_ids, purpose)
    ids -= restricted(ids)
    ids -= objected(ids)
    ids -= suppressed(ids, purpose)
    return ids
