"""CSV export of companies: business data, spreadsheet-safe cells, the export audited."""

from __future__ import annotations

import csv
import io

from django.db import transaction

from lethe.audit import log
from lethe.audit.models import Action
from lethe.companies.actions import FIELDS
from lethe.core.spreadsheet import safe_cell
from lethe.vault.policy import Actor, Purpose

CHUNK = 2000
# The headers the company import maps back without being told (a round trip).
COLUMNS = ("id", *FIELDS, "tags", "archived", "created_at", "updated_at")


def companies_csv(actor: Actor, companies) -> str:
    """Return the companies as CSV: a fixed number of queries for any number of rows."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(COLUMNS)
    rows = companies.select_related("owner").prefetch_related("tags").order_by("name", "id")
    count = 0
    for company in rows.iterator(chunk_size=CHUNK):
        writer.writerow(
            safe_cell(cell)
            for cell in (
                company.pk,
                *(getattr(company, f) for f in FIELDS if f != "owner"),
                company.owner.email if company.owner else "",
                ", ".join(t.name for t in company.tags.all()),
                "yes" if company.archived_at else "",
                company.created_at.isoformat(),
                company.updated_at.isoformat(),
            )
        )
        count += 1
    with transaction.atomic():
        log.record(
            actor,
            Action.EXPORT,
            record_kind="company",
            purpose=Purpose.CUSTOMER_RELATIONSHIP,
            detail={"companies": count, "format": "csv"},
        )
    return out.getvalue()
