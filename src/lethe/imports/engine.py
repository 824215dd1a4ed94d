"""CSV import machinery shared by the contact and company importers.

A kind of record describes itself with a `Kind` (its fields, the header names that map
to them, how to check one row, how to find the records a row duplicates, how to write
a batch). `run` does the rest: decode and read the file, map its columns, check every
row before anything is written, find duplicates (against the database and within the
file), write good rows in batches (each batch one transaction: a batch that fails
writes nothing), and audit the import. The file itself is never stored.
"""

from __future__ import annotations

import csv
import io
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Protocol

from django.db import transaction

from lethe.audit import log
from lethe.audit.models import Action
from lethe.core.spreadsheet import safe_cell
from lethe.vault.policy import Actor, Purpose

BATCH = 500
DUPLICATE_MODES = ("skip", "update", "create")
PREVIEW_ROWS = 10


class FileRefused(ValueError):
    """The file cannot be imported at all; `field` names the input that is wrong."""

    def __init__(self, field: str, message: str):
        super().__init__(message)
        self.field, self.message = field, message


def fold(header: str) -> str:
    """Return a header folded for matching: lower case ASCII letters and digits only."""
    folded = unicodedata.normalize("NFKD", header).encode("ascii", "ignore").decode()
    return "".join(c for c in folded.lower() if c.isalnum())


@dataclass
class RowError:
    """A row that was not imported: its row number (the header is row 1), column, why."""

    row: int
    field: str
    message: str
    column: str = ""

    def __str__(self):
        where = f"{self.column} ({self.field})" if self.column else self.field
        return f"row {self.row}: {where}: {self.message}"


@dataclass
class Row:
    """A checked row, ready to write: what the kind writes and how duplicates are found."""

    line: int
    data: object
    keys: tuple[tuple[str, str], ...] = ()  # look-up keys, strongest first
    shown: dict[str, str] = field(default_factory=dict)  # cleaned values, for a preview
    marks: tuple[tuple[str, str], ...] | None = None  # keys later rows match (default: keys)


@dataclass
class Report:
    """What an import did (or, in a dry run, would do)."""

    kind: str = ""
    rows: int = 0
    created: int = 0
    updated: int = 0
    skipped: int = 0
    duplicates: int = 0  # rows matching an existing record or an earlier row
    suppressed: int = 0  # rows of people erased at their request (among the errors)
    errors: list[RowError] = field(default_factory=list)
    mapping: dict[str, str] = field(default_factory=dict)
    dry_run: bool = False
    preview: list[tuple[int, str, dict[str, str]]] = field(default_factory=list)

    def summary(self) -> str:
        verb = "would be" if self.dry_run else "were"
        return (
            f"{self.rows} rows: {self.created} {verb} created, {self.updated} {verb} updated, "
            f"{self.duplicates} duplicates ({self.skipped} {verb} skipped), "
            f"{len(self.errors)} rows have errors"
            + (
                f" ({self.suppressed} of them people erased at their request)"
                if self.suppressed
                else ""
            )
        )


class Progress(Protocol):
    def total(self, n: int) -> None: ...

    def advance(self, n: int) -> None: ...


class _Silent:
    def total(self, n: int) -> None:
        pass

    def advance(self, n: int) -> None:
        pass


class Kind:
    """What an importer of one kind of record provides to `run`; subclasses fill it in."""

    name = ""  # "contacts"
    record_kind = ""  # "contact", as in audit events
    purpose: Purpose = Purpose.CUSTOMER_RELATIONSHIP
    # target field -> folded header names that map to it without being told
    automatic: dict[str, set[str]] = {}
    required: tuple[str, ...] = ()  # at least one of these must be mapped
    unique: frozenset[str] = frozenset()  # key names that can never be created twice

    def __init__(self, actor: Actor):
        self.actor = actor

    def targets(self) -> tuple[str, ...]:
        """Return the fields a column may be mapped to (for this actor)."""
        return tuple(self.automatic)

    def parse(self, line: int, values: dict[str, str]) -> Row | RowError:
        """Check one row's values (target -> text, empty ones left out)."""
        raise NotImplementedError

    def existing(self, rows: list[Row]) -> dict[tuple[str, str], object]:
        """Return the existing record for each key of the rows that has one (batched)."""
        raise NotImplementedError

    def suppressed(self, rows: list[Row]) -> list[RowError]:
        """Return an error for each row that must never be written (batched): a person
        on the suppression list, erased at their request (lethe.dsr.suppression)."""
        return []

    def create(self, rows: list[Row]) -> None:
        """Write one batch of new records, atomically and audited."""
        raise NotImplementedError

    def update(self, record, row: Row) -> None:
        """Change an existing record with the row's values, audited."""
        raise NotImplementedError

    def duplicate_message(self, key: str, in_file: bool) -> str:
        where = "an earlier row" if in_file else f"an existing {self.record_kind}"
        return f"{where} has this {key.replace('_', ' ')}"


@dataclass
class CsvFile:
    headers: list[str]
    records: list[tuple[int, list[str]]]  # (row number, cells); empty rows left out


def decode(data: bytes) -> str:
    """Return the text of a CSV file in UTF-8 (with or without BOM), Windows-1252 or Latin-1."""
    if not data.strip():
        raise FileRefused("file", "the file is empty")
    if data.startswith((b"PK\x03\x04", b"\xd0\xcf\x11\xe0")):
        raise FileRefused("file", "this is a spreadsheet, not CSV: save it as CSV first")
    for encoding in ("utf-8-sig", "cp1252", "latin-1"):
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        if any(unicodedata.category(c) == "Cc" and c not in "\t\r\n" for c in text):
            break  # control characters: binary data, or UTF-16
        return text
    raise FileRefused("file", "not a CSV text file (UTF-8 or Latin-1)")


def _delimiter(first_line: str) -> str:
    try:
        return csv.Sniffer().sniff(first_line, delimiters=",;\t").delimiter
    except csv.Error:
        counts = {d: first_line.count(d) for d in ",;\t"}
        return max(counts, key=counts.get) if any(counts.values()) else ","


def read_csv(data: bytes, delimiter: str | None = None) -> CsvFile:
    """Decode and read a CSV file (comma, semicolon or tab found from the header line)."""
    text = decode(data)
    lines = text.lstrip("\r\n").splitlines()
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter or _delimiter(lines[0]))
    try:
        rows = list(reader)
    except csv.Error as exc:
        raise FileRefused("file", f"not a readable CSV file ({exc})") from None
    while rows and not any(c.strip() for c in rows[0]):
        rows.pop(0)
    if not rows:
        raise FileRefused("file", "the file is empty")
    headers = [h.strip() for h in rows[0]]
    named = [h for h in headers if h]
    twice = next((h for h in named if named.count(h) > 1), None)
    if twice is not None:
        raise FileRefused("file", f"the file has two columns called {twice!r}")
    numbered = enumerate(rows[1:], start=2)
    records = [(n, cells) for n, cells in numbered if any(c.strip() for c in cells)]
    if not records:
        raise FileRefused("file", "the file has a header row but no rows under it")
    return CsvFile(headers, records)


def automatic_mapping(kind: Kind, headers: Iterable[str]) -> dict[str, str]:
    """Return {header: field} for the headers that match a field by name (first one wins)."""
    targets = kind.targets()
    mapping: dict[str, str] = {}
    for header in headers:
        key = fold(header)
        for target in targets:
            names = kind.automatic[target] | {fold(target)}
            if key in names and target not in mapping.values():
                mapping[header] = target
                break
    return mapping


def mapping_for(kind: Kind, headers: list[str], overrides: dict[str, str]) -> dict[str, str]:
    """Return {header: field}: automatic matches, changed by `overrides` ("" ignores)."""
    targets = kind.targets()
    for column, target in overrides.items():
        if column not in headers:
            raise FileRefused("mapping", f"the file has no column {column!r}")
        if target and target not in targets:
            raise FileRefused(
                "mapping", f"{column!r}: unknown field {target!r} (fields: {', '.join(targets)})"
            )
    automatic = automatic_mapping(kind, [h for h in headers if h and h not in overrides])
    mapping = {}
    for header in headers:
        target = overrides[header] if header in overrides else automatic.get(header, "")
        if target:
            mapping[header] = target
    chosen = list(mapping.values())
    twice = next((t for t in chosen if chosen.count(t) > 1), None)
    if twice is not None:
        columns = [h for h, t in mapping.items() if t == twice]
        raise FileRefused(
            "mapping", f"two columns are mapped to {twice}: {columns[0]!r} and {columns[1]!r}"
        )
    if kind.required and not set(kind.required) & set(chosen):
        raise FileRefused(
            "mapping", f"no column is mapped to {' or '.join(kind.required)} (map one)"
        )
    return mapping


def run(
    kind: Kind,
    data: bytes,
    *,
    duplicates: str = "skip",
    dry_run: bool = False,
    overrides: dict[str, str] | None = None,
    delimiter: str | None = None,
    progress: Progress | None = None,
) -> Report:
    """Import CSV bytes as records of `kind`; return the report (see the module docstring)."""
    if duplicates not in DUPLICATE_MODES:
        raise FileRefused("duplicates", f"must be one of {', '.join(DUPLICATE_MODES)}")
    table = read_csv(data, delimiter)
    report = Report(
        kind=kind.name,
        rows=len(table.records),
        mapping=mapping_for(kind, table.headers, overrides or {}),
        dry_run=dry_run,
    )
    columns = {target: header for header, target in report.mapping.items()}
    positions = [(table.headers.index(h), t) for h, t in report.mapping.items()]
    progress = progress or _Silent()
    progress.total(report.rows)  # checking every row, then writing the good ones
    parsed: list[Row] = []
    for count, (line, cells) in enumerate(table.records, start=1):
        if count % BATCH == 0:
            progress.advance(BATCH)
        values = {}
        for position, target in positions:
            value = cells[position].strip() if position < len(cells) else ""
            if value:
                values[target] = value
        row = kind.parse(line, values)
        if isinstance(row, RowError):
            row.column = row.column or columns.get(row.field, "")
            report.errors.append(row)
        else:
            parsed.append(row)

    refused = kind.suppressed(parsed) if parsed else []
    if refused:
        for error in refused:
            error.column = error.column or columns.get(error.field, "")
        report.errors.extend(refused)
        report.suppressed = len(refused)
        lines = {error.row for error in refused}
        parsed = [row for row in parsed if row.line not in lines]

    known = kind.existing(parsed) if parsed else {}
    seen: set[tuple[str, str]] = set()
    creates: list[Row] = []
    updates: list[tuple[object, Row]] = []
    for row in parsed:
        earlier = next((k for k in row.keys if k in seen), None)
        match = next((k for k in row.keys if k in known), None)
        clash = next((k for k in (earlier, match) if k and k[0] in kind.unique), None)
        action = "new"
        if duplicates == "create" and clash is not None:
            message = kind.duplicate_message(clash[0], in_file=clash == earlier)
            report.errors.append(RowError(row.line, clash[0], message, columns.get(clash[0], "")))
            continue
        if earlier is not None or match is not None:
            report.duplicates += 1
            if duplicates == "update" and earlier is None:
                updates.append((known[match], row))
                action = "update"
            elif duplicates != "create":
                report.skipped += 1
                action = "duplicate"
        if action == "new":
            creates.append(row)
        seen.update(row.marks if row.marks is not None else row.keys)
        if len(report.preview) < PREVIEW_ROWS:
            report.preview.append((row.line, action, row.shown))
    report.errors.sort(key=lambda e: e.row)
    report.created, report.updated = len(creates), len(updates)
    progress.advance(report.rows % BATCH)
    if not dry_run:
        progress.total(report.rows + len(creates) + len(updates))
        for start in range(0, len(creates), BATCH):
            batch = creates[start : start + BATCH]
            kind.create(batch)
            progress.advance(len(batch))
        for start in range(0, len(updates), BATCH):
            with transaction.atomic():
                for record, row in updates[start : start + BATCH]:
                    kind.update(record, row)
            progress.advance(len(updates[start : start + BATCH]))
    with transaction.atomic():
        log.record(
            kind.actor,
            Action.IMPORT,
            record_kind=kind.record_kind,
            purpose=kind.purpose,
            detail={
                "dry_run": dry_run,
                "duplicate_mode": duplicates,
                "rows": report.rows,
                "created": report.created,
                "updated": report.updated,
                "duplicates": report.duplicates,
                "skipped": report.skipped,
                "errors": len(report.errors),
                "suppressed": report.suppressed,
                "error_rows": [e.row for e in report.errors][:1000],
            },
        )
    return report


def error_csv(errors: Iterable[RowError]) -> str:
    """Return the row errors as CSV (row, column, field, message): values are not repeated."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["row", "column", "field", "message"])
    for error in errors:
        writer.writerow(
            safe_cell(cell) for cell in (error.row, error.column, error.field, error.message)
        )
    return out.getvalue()
