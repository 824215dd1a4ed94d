"""The import page's form: kind, file, duplicate mode, and the column mapping."""

from __future__ import annotations

from django import forms

from lethe.imports import engine
from lethe.imports.kinds import KINDS

ACTIONS = ("preview", "import")
DUPLICATE_LABELS = {
    "skip": "skip them",
    "update": "update the existing record",
    "create": "create them anyway",
}


def size(limit: int) -> str:
    """Return a byte count for people: 20 MB, 512 kB, 100 bytes."""
    if limit >= 1024 * 1024:
        return f"{limit / (1024 * 1024):g} MB"
    return f"{limit / 1024:g} kB" if limit >= 1024 else f"{limit} bytes"


class ImportForm(forms.Form):
    """What to import and how; the mapping selects are read by `mapping_from`."""

    kind = forms.ChoiceField(choices=[(k, k.capitalize()) for k in KINDS], label="Import")
    file = forms.FileField(
        label="CSV file",
        help_text="UTF-8 or Latin-1; comma, semicolon or tab between the columns",
    )
    duplicates = forms.ChoiceField(
        label="Duplicates",
        initial="skip",
        choices=[(mode, DUPLICATE_LABELS[mode]) for mode in engine.DUPLICATE_MODES],
    )

    def __init__(self, *args, limit: int, **kwargs):
        super().__init__(*args, **kwargs)
        self.limit = limit
        self.fields["file"].help_text += f"; at most {size(limit)}"


class MappingRow:
    """One column of the file in the mapping table: its header, the chosen field, an error."""

    def __init__(self, index: int, header: str, target: str, error: str = ""):
        self.index, self.header, self.target, self.error = index, header, target, error

    @property
    def name(self) -> str:
        return f"map-{self.index}"


def mapping_rows(headers: list[str], mapping: dict[str, str]) -> list[MappingRow]:
    """Return the mapping table's rows for the file's (named) columns."""
    return [MappingRow(i, h, mapping.get(h, "")) for i, h in enumerate(headers) if h]


def submitted(data, headers: list[str], kind: str) -> list[MappingRow] | None:
    """Return the mapping the form sent for this file and kind, or None if it sent none
    (the first step) or one for other columns or another kind (the mapping is redone)."""
    if data.get("mapped_kind") != kind:
        return None
    rows = []
    for index, header in enumerate(headers):
        if not header:
            continue
        if data.get(f"column-{index}") != header or f"map-{index}" not in data:
            return None
        rows.append(MappingRow(index, header, data.get(f"map-{index}", "").strip()))
    if data.get(f"column-{len(headers)}") is not None:
        return None
    return rows


def check(rows: list[MappingRow], targets: tuple[str, ...]) -> bool:
    """Mark unknown targets and targets chosen twice on their rows; True if none."""
    chosen: dict[str, str] = {}
    for row in rows:
        if not row.target:
            continue
        if row.target not in targets:
            row.error = f"unknown field {row.target!r}"
        elif row.target in chosen:
            row.error = f"{row.target} is already chosen for the column {chosen[row.target]!r}"
        else:
            chosen[row.target] = row.header
    return not any(row.error for row in rows)
