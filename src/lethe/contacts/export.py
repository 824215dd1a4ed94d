"""CSV export of contacts: what the role may read, masked cells marked, the export audited."""

from __future__ import annotations

import csv
import io

from django.db import transaction

from lethe.audit import log
from lethe.audit.models import Action
from lethe.contacts.models import PERSONAL_FIELDS
from lethe.core.spreadsheet import safe_cell
from lethe.vault import fields, gate
from lethe.vault.policy import Actor, Purpose

CHUNK = 500
COLUMNS = (
    "id",
    "subject",
    *PERSONAL_FIELDS,
    "company",
    "stage",
    "tags",
    "source",
    "obtained_at",
    "archived",
)


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, gate.Masked):
        return f"[masked: {value.category}]"
    if isinstance(value, gate.Erased):
        return "[erased]"
    if isinstance(value, list):
        return "; ".join(map(str, value))
    if isinstance(value, dict):  # an address
        parts = [
            value.get("street"),
            " ".join(filter(None, [value.get("postal_code"), value.get("city")])),
            value.get("region"),
            value.get("country"),
        ]
        return ", ".join(p for p in parts if p)
    return str(value)


def contacts_csv(actor: Actor, purpose: Purpose, contacts, *, recipient=None) -> str:
    """Return the contacts as CSV, reading personal fields through the gate in chunks.

    People whose processing is restricted (Art. 18) are left out. With `recipient` (a
    lethe.dsr Recipient) the export goes to that third party: it is logged as a
    disclosure of the people and categories it holds (Art. 19).
    """
    from lethe.dsr import recipients, restriction

    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(COLUMNS)
    everyone = contacts.count()
    contacts = restriction.exclude_restricted(contacts)
    contacts = contacts.select_related("company").prefetch_related("tags").order_by("pk")
    count = 0
    disclosed, shown = [], set()
    for start in range(0, contacts.count(), CHUNK):
        rows = list(contacts[start : start + CHUNK])
        values = gate.read(actor, [c.subject_id for c in rows], purpose, names=PERSONAL_FIELDS)
        for contact in rows:
            personal = values[contact.subject_id]
            if recipient is not None:
                categories = {
                    fields.get(name).category
                    for name, value in personal.items()
                    if value is not None and not isinstance(value, gate.Masked | gate.Erased)
                }
                if categories:  # only values the role could read went out
                    disclosed.append(contact.subject_id)
                    shown |= categories
            writer.writerow(
                safe_cell(cell)
                for cell in (
                    contact.pk,
                    str(contact.subject_id),
                    *(_text(personal.get(name)) for name in PERSONAL_FIELDS),
                    contact.company.name if contact.company else "",
                    contact.stage,
                    ", ".join(t.name for t in contact.tags.all()),
                    contact.source,
                    contact.obtained_at.isoformat(),
                    "yes" if contact.archived_at else "",
                )
            )
        count += len(rows)
    with transaction.atomic():
        log.record(
            actor,
            Action.EXPORT,
            record_kind="contact",
            purpose=purpose,
            detail={
                "contacts": count,
                "format": "csv",
                **({"restricted_left_out": everyone - count} if everyone > count else {}),
                **({"recipient": recipient.pk} if recipient is not None else {}),
            },
        )
        if recipient is not None and disclosed:
            recipients.record_disclosure(
                actor,
                recipient,
                disclosed,
                sorted(shown),
                purpose,
                "export",
            )
    return out.getvalue()
