"""The records of processing activities (Art. 30(1)) as CSV, JSON or PDF.

Every purpose is one record with every item of Art. 30(1): controller (and joint
controller) and DPO contacts, the purpose, categories of subjects and of data,
recipients, transfers and their safeguards, time limits for erasure and security
measures; plus the legal basis (and legitimate interest) and the version.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable
from typing import Any

from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone

from lethe.audit import log
from lethe.audit.models import Action
from lethe.core.spreadsheet import safe_cell
from lethe.purposes import categories as cats
from lethe.purposes.models import Purpose
from lethe.purposes.registry import all_purposes, organisation
from lethe.vault.policy import Actor
from lethe.vault.policy import Purpose as VaultPurpose

FORMATS = ("csv", "json", "pdf")
CONTENT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "json": "application/json",
    "pdf": "application/pdf",
}

# (field, label): the columns of the CSV, the keys of the JSON, the lines of the PDF.
FIELDS: list[tuple[str, str]] = [
    ("key", "Key"),
    ("name", "Purpose"),
    ("description", "Description of the purpose (Art. 30(1)(b))"),
    ("controller_name", "Controller (Art. 30(1)(a))"),
    ("controller_contact", "Controller's contact details"),
    ("joint_controller", "Joint controller"),
    ("dpo_contact", "Data protection officer"),
    ("legal_basis", "Legal basis (Art. 6(1))"),
    ("legal_basis_detail", "Legal basis in detail"),
    ("legitimate_interest", "Legitimate interest"),
    ("subject_categories", "Categories of data subjects (Art. 30(1)(c))"),
    ("data_categories", "Categories of personal data (Art. 30(1)(c))"),
    ("recipients", "Recipients (Art. 30(1)(d))"),
    ("transfers", "Transfers to third countries or international organisations (Art. 30(1)(e))"),
    ("transfer_safeguards", "Safeguards for the transfers"),
    ("retention", "Time limits for erasure (Art. 30(1)(f))"),
    ("retention_months", "Retention in months"),
    ("security_measures", "Technical and organisational security measures (Art. 30(1)(g))"),
    ("data_source", "Sources of the data"),
    ("version", "Version"),
    ("updated_at", "Last changed"),
]
LIST_FIELDS = {"subject_categories", "data_categories", "recipients"}
NONE = {
    "joint_controller": "none",
    "legitimate_interest": "not applicable (the legal basis is not Art. 6(1)(f))",
    "transfers": "none",
    "transfer_safeguards": "not applicable (no transfers)",
    "legal_basis_detail": "none given",
    "data_source": "the data subject",
}


def record(purpose: Purpose) -> dict[str, Any]:
    """Return one purpose's record: values as they are (lists as lists)."""
    values: dict[str, Any] = {
        name: getattr(purpose, name) for name, _ in FIELDS if hasattr(purpose, name)
    }
    values.update(organisation().as_dict())
    values["legal_basis"] = purpose.basis_label
    values["updated_at"] = timezone.localtime(purpose.updated_at).isoformat(timespec="seconds")
    for name, text in NONE.items():
        if not values.get(name):
            values[name] = text
    return {name: values[name] for name, _ in FIELDS}


def shown(name: str, value: Any) -> str:
    """Return a value as one line of text (lists joined; categories with their meaning)."""
    if name == "data_categories":
        return "; ".join(f"{c} ({cats.label(c)})" for c in value)
    if isinstance(value, list):
        return "; ".join(value)
    return str(value)


def records() -> list[dict[str, Any]]:
    return [record(p) for p in all_purposes()]


def to_csv(items: list[dict[str, Any]]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([name for name, _ in FIELDS])
    for item in items:
        writer.writerow([safe_cell(shown(name, item[name])) for name, _ in FIELDS])
    return out.getvalue().encode()


def to_json(items: list[dict[str, Any]]) -> bytes:
    document = {
        "title": "Records of processing activities (GDPR Art. 30(1))",
        "generated_at": timezone.localtime().isoformat(timespec="seconds"),
        "fields": dict(FIELDS),
        "records": items,
    }
    return json.dumps(document, indent=2, ensure_ascii=False).encode()


def _no_fetching(url: str, *args, **kwargs):
    raise ValueError(f"the records of processing fetch nothing ({url[:40]})")


PDF_STYLE = """
@page { size: A4; margin: 18mm 16mm;
  @bottom-right { content: counter(page) " / " counter(pages); font-size: 8pt; } }
body { font-family: sans-serif; font-size: 9.5pt; line-height: 1.35; color: #111; }
h1 { font-size: 16pt; margin: 0 0 4mm; }
h2 { font-size: 12.5pt; margin: 7mm 0 2mm; border-bottom: 0.5pt solid #888; break-after: avoid; }
p.meta { color: #444; font-size: 8.5pt; }
div.item { margin: 0 0 1.6mm; break-inside: avoid; }
div.label { font-weight: bold; }
section.record { break-before: page; }
section.record:first-of-type { break-before: auto; }
"""


def to_pdf(items: list[dict[str, Any]]) -> bytes:
    """Render the records as a PDF (WeasyPrint; nothing is fetched from anywhere)."""
    from weasyprint import CSS, HTML

    html = render_to_string(
        "purposes/ropa_pdf.html",
        {
            "records": [
                [(label, shown(name, item[name])) for name, label in FIELDS] for item in items
            ],
            "names": [item["name"] for item in items],
            "generated_at": timezone.localtime(),
            "org": organisation(),
        },
    )
    document = HTML(string=html, url_fetcher=_no_fetching)
    return document.write_pdf(stylesheets=[CSS(string=PDF_STYLE, url_fetcher=_no_fetching)])


RENDER = {"csv": to_csv, "json": to_json, "pdf": to_pdf}


def export(actor: Actor, fmt: str, deliver: Callable[[bytes], object]) -> None:
    """Render the records in `fmt` and hand them to `deliver`; audited.

    The audit event and the delivery share one transaction: if writing the file
    fails, no export is recorded.
    """
    if fmt not in RENDER:
        raise ValueError(f"format must be one of {', '.join(FORMATS)}")
    items = records()
    data = RENDER[fmt](items)
    with transaction.atomic():
        log.record(
            actor,
            Action.EXPORT,
            record_kind="ropa",
            purpose=VaultPurpose.ACCOUNTABILITY,
            detail={"format": fmt, "purposes": len(items)},
        )
        deliver(data)


def filename(fmt: str) -> str:
    return f"lethe-ropa-{timezone.localtime().strftime('%Y%m%d')}.{fmt}"
