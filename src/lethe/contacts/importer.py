"""CSV import of contacts: column mapping, row-level errors, duplicates, batches, a report.

Every row is validated before anything is written; rows with errors are reported and
skipped. Good rows are written in batches, each batch one transaction (a batch that
fails writes nothing). Duplicates are found through the blind indexes (same e-mail,
phone or identity number), against the database and within the file itself.
"""

from __future__ import annotations

import csv
import io
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from django.db import transaction

from lethe.audit import log
from lethe.audit.models import Action
from lethe.companies.models import Company
from lethe.contacts import actions
from lethe.contacts.models import Contact
from lethe.core import tags as tag_names
from lethe.vault import fields, gate
from lethe.vault.errors import InvalidField
from lethe.vault.policy import Actor, Purpose

BATCH = 500
DUPLICATE_MODES = ("skip", "update", "create")
ADDRESS_PARTS = ("street", "postal_code", "city", "country")
IDENTIFIERS = ("email", "phone", "identity_number")

# Header names (case-, accent- and punctuation-folded) that map to a field without
# being told: our own export, Swedish headers, and the usual exports of other CRMs.
AUTOMATIC = {
    "first_name": {"firstname", "first", "givenname", "fornamn", "tilltalsnamn"},
    "last_name": {"lastname", "last", "surname", "familyname", "efternamn"},
    "email": {"email", "emailaddress", "epost", "epostadress", "mail", "primaryemail"},
    "phone": {
        "phone",
        "phonenumber",
        "telephone",
        "mobile",
        "mobilephone",
        "telefon",
        "mobil",
        "mobilnummer",
        "telefonnummer",
        "workphone",
    },
    "identity_number": {
        "personnummer",
        "identitynumber",
        "personalidentitynumber",
        "personnr",
        "ssn",
    },
    "birth_date": {"birthdate", "dateofbirth", "birthday", "fodelsedatum"},
    "job_title": {"jobtitle", "title", "titel", "befattning", "position", "role"},
    "notes": {"notes", "note", "description", "anteckningar", "kommentar"},
    "street": {"street", "address", "streetaddress", "mailingstreet", "adress", "gatuadress"},
    "postal_code": {"postalcode", "zip", "zipcode", "postcode", "postnummer", "mailingpostalcode"},
    "city": {"city", "town", "ort", "stad", "postort", "mailingcity"},
    "country": {"country", "land", "mailingcountry"},
    "company": {
        "company",
        "companyname",
        "organisation",
        "organization",
        "account",
        "accountname",
        "foretag",
        "bolag",
    },
    "stage": {"stage", "lifecyclestage", "status", "fas"},
    "tags": {"tags", "taggar", "labels"},
}
TARGETS = tuple(AUTOMATIC)


def _key(header: str) -> str:
    folded = unicodedata.normalize("NFKD", header).encode("ascii", "ignore").decode()
    return "".join(c for c in folded.lower() if c.isalnum())


class ImportError_(ValueError):
    """The file cannot be imported at all (not a CSV, no header, a bad mapping)."""


@dataclass
class RowError:
    row: int  # 1-based line number in the file, the header being line 1
    field: str
    message: str

    def __str__(self):
        return f"row {self.row}: {self.field}: {self.message}"


@dataclass
class Report:
    """What an import did (or, in a dry run, would do)."""

    rows: int = 0
    created: int = 0
    updated: int = 0
    duplicates: int = 0
    errors: list[RowError] = field(default_factory=list)
    mapping: dict[str, str] = field(default_factory=dict)
    dry_run: bool = False

    def summary(self) -> str:
        verb = "would be" if self.dry_run else "were"
        return (
            f"{self.rows} rows: {self.created} {verb} created, {self.updated} {verb} updated, "
            f"{self.duplicates} duplicates {verb} skipped, {len(self.errors)} rows have errors"
        )


def mapping_for(headers: list[str], overrides: dict[str, str]) -> dict[str, str]:
    """Return {header: field} from automatic matches and `overrides` (header -> field)."""
    unknown = [target for target in overrides.values() if target not in (*TARGETS, "")]
    if unknown:
        raise ImportError_(f"--map: unknown field {unknown[0]!r} (fields: {', '.join(TARGETS)})")
    missing = [h for h in overrides if h not in headers]
    if missing:
        raise ImportError_(f"--map: the file has no column {missing[0]!r}")
    mapping = {}
    for header in headers:
        if header in overrides:
            if overrides[header]:
                mapping[header] = overrides[header]
            continue
        key = _key(header)
        for target, names in AUTOMATIC.items():
            if key in names and target not in mapping.values():
                mapping[header] = target
                break
    if not {"first_name", "last_name"} & set(mapping.values()):
        raise ImportError_("no column is mapped to first_name or last_name (use --map)")
    return mapping


@dataclass
class Row:
    line: int
    personal: dict
    business: dict
    keys: set[tuple[str, str]]


def _parse_row(line: int, record: dict, mapping: dict, companies: dict) -> Row | RowError:
    values = {target: (record.get(header) or "").strip() for header, target in mapping.items()}
    personal: dict = {}
    for name in (
        "first_name",
        "last_name",
        "email",
        "phone",
        "identity_number",
        "birth_date",
        "job_title",
        "notes",
    ):
        if values.get(name):
            personal[name] = values[name]
    address = {part: values[part] for part in ADDRESS_PARTS if values.get(part)}
    if address:
        personal["address"] = address
    if not (personal.get("first_name") or personal.get("last_name")):
        return RowError(line, "last_name", "a contact needs a name")
    try:
        personal = fields.clean(personal)
    except InvalidField as exc:
        return RowError(line, exc.field, exc.message)
    business: dict = {"source": Contact.Source.IMPORT}
    if values.get("company"):
        company = companies.get(values["company"].casefold())
        if company is None:
            return RowError(line, "company", f"unknown company {values['company']!r}")
        business["company"] = company
    if values.get("stage"):
        stage = values["stage"].strip().lower().replace(" ", "_")
        if stage not in Contact.Stage.values:
            return RowError(line, "stage", f"must be one of {', '.join(Contact.Stage.values)}")
        business["stage"] = stage
    if values.get("tags"):
        try:
            business["tags"] = tag_names.clean_names(values["tags"].replace(";", ","))
        except Exception as exc:  # a form ValidationError
            return RowError(line, "tags", " ".join(getattr(exc, "messages", [str(exc)])))
    keys = set()
    for name in IDENTIFIERS:
        if name in personal:
            for term in fields.get(name).index_terms(personal[name]):
                keys.add((name, term))
    return Row(line, personal, business, keys)


def _existing(actor: Actor, rows: list[Row]) -> dict[tuple[str, str], Contact]:
    """Return the existing contact for each identifier of the rows that has one.

    One batched match per identifier field, whatever the number of rows.
    """
    found: dict[tuple[str, str], Contact] = {}
    for name in IDENTIFIERS:
        terms = {term for row in rows for field_name, term in row.keys if field_name == name}
        matches = gate.match(actor, name, terms, Purpose.CUSTOMER_RELATIONSHIP)
        subjects = set().union(*matches.values()) if matches else set()
        contacts = {c.subject_id: c for c in Contact.objects.filter(subject_id__in=subjects)}
        for term, matched in matches.items():
            hits = sorted((contacts[s] for s in matched if s in contacts), key=lambda c: c.pk)
            if hits:
                found[(name, term)] = hits[0]
    return found


def read_csv(data: bytes, delimiter: str | None = None) -> tuple[list[str], list[dict]]:
    """Decode a CSV file (UTF-8, with or without BOM; `;` or `,` found automatically)."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ImportError_("the file is not UTF-8 text") from None
    if not text.strip():
        raise ImportError_("the file is empty")
    if delimiter is None:
        try:
            delimiter = csv.Sniffer().sniff(text.splitlines()[0], delimiters=",;\t").delimiter
        except csv.Error:
            delimiter = ","
    reader = csv.DictReader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        records = list(reader)
    except csv.Error as exc:
        raise ImportError_(f"not a readable CSV file ({exc})") from None
    headers = [h for h in (reader.fieldnames or []) if h]
    if not headers:
        raise ImportError_("the file has no header row")
    return headers, records


def import_contacts(
    actor: Actor,
    data: bytes,
    *,
    owner=None,
    duplicates: str = "skip",
    dry_run: bool = False,
    overrides: dict[str, str] | None = None,
    delimiter: str | None = None,
    on_progress: Callable[[int], None] = lambda n: None,
) -> Report:
    """Import contacts from CSV bytes; return the report (see the module docstring)."""
    if duplicates not in DUPLICATE_MODES:
        raise ImportError_(f"duplicates must be one of {', '.join(DUPLICATE_MODES)}")
    headers, records = read_csv(data, delimiter)
    report = Report(
        rows=len(records), mapping=mapping_for(headers, overrides or {}), dry_run=dry_run
    )
    companies = {c.name.casefold(): c for c in Company.objects.filter(archived_at__isnull=True)}
    parsed = []
    for line, record in enumerate(records, start=2):
        row = _parse_row(line, record, report.mapping, companies)
        if isinstance(row, RowError):
            report.errors.append(row)
        else:
            parsed.append(row)
    known = {} if duplicates == "create" else _existing(actor, parsed)
    seen: dict[tuple[str, str], int] = {}
    creates: list[Row] = []
    updates: list[tuple[Contact, Row]] = []
    for row in parsed:
        earlier = next((seen[k] for k in sorted(row.keys) if k in seen), None)
        existing = next((known[k] for k in sorted(row.keys) if k in known), None)
        if duplicates != "create" and (earlier is not None or existing is not None):
            if duplicates == "skip" or existing is None:
                report.duplicates += 1
            else:
                updates.append((existing, row))
            continue
        for key in row.keys:
            seen.setdefault(key, line)
        creates.append(row)
    report.created, report.updated = len(creates), len(updates)
    if dry_run:
        return report
    for start in range(0, len(creates), BATCH):
        batch = creates[start : start + BATCH]
        actions.create_contacts(
            actor,
            Purpose.CUSTOMER_RELATIONSHIP,
            [(r.personal, r.business) for r in batch],
            owner=owner,
        )
        on_progress(len(batch))
    for contact, row in updates:
        business = {k: v for k, v in row.business.items() if k != "source"}
        actions.update_contact(
            actor, Purpose.CUSTOMER_RELATIONSHIP, contact, row.personal, business
        )
        on_progress(1)
    with transaction.atomic():
        log.record(
            actor,
            Action.IMPORT,
            record_kind="contact",
            purpose=Purpose.CUSTOMER_RELATIONSHIP,
            detail={
                "rows": report.rows,
                "created": report.created,
                "updated": report.updated,
                "duplicates": report.duplicates,
                "errors": len(report.errors),
                "error_rows": [e.row for e in report.errors][:1000],
            },
        )
    return report


def error_csv(errors: Iterable[RowError]) -> str:
    """Return the row errors as CSV (row, field, message): values are never repeated."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["row", "field", "message"])
    for error in errors:
        writer.writerow([error.row, error.field, error.message])
    return out.getvalue()
