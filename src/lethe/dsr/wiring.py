"""Holders and sections of the request register's own parts (disclosures, objections)."""

from __future__ import annotations

from lethe.dsr import collect, locate
from lethe.dsr.recipients import disclosures_of


@locate.holder("disclosure")
def disclosures(subject_ids):
    """Disclosures of the person's data to recipients (Art. 15(1)(c), Art. 19)."""
    found: dict = {}
    for disclosure in disclosures_of(subject_ids):
        for subject in disclosure.matched:
            found.setdefault(subject, []).append(
                locate.Item("disclosure", str(disclosure.pk), "disclosed", disclosure.channel)
            )
    return found


@collect.section("disclosures")
def disclosure_rows(actor, request, subjects):
    """Who received the person's data, when, which categories and why."""
    return [
        {
            "recipient": d.recipient.name,
            "at": d.at.isoformat(),
            "channel": d.channel,
            "purpose": d.purpose,
            "categories": ", ".join(d.categories),
        }
        for d in disclosures_of(subjects)
    ]
