"""The data map: every place Lethe keeps personal data, generated from the models, the
vault's field registry and the declarations in lethe.purposes.inventory; plus the
manual entries for stores outside Lethe.

Each entry says what it holds (categories), why (purposes, with their legal basis
and retention from the registry), where (table and column, keystore, file stores,
backups, outbox, logs) and who can read it (from the role table).
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass, field
from typing import Any

from django.apps import apps
from django.core.exceptions import FieldDoesNotExist
from django.db import models, transaction
from django.utils import timezone

from lethe.audit import log
from lethe.audit.models import Action
from lethe.core.spreadsheet import safe_cell
from lethe.customfields.models import CustomField
from lethe.purposes import categories as cats
from lethe.purposes import inventory
from lethe.purposes.inventory import Held, Store
from lethe.purposes.models import ManualEntry, Purpose
from lethe.purposes.registry import all_purposes
from lethe.vault import fields as vault_fields
from lethe.vault.models import BlindIndex, PersonalHistory, PersonalValue
from lethe.vault.policy import ALL_CATEGORIES, ROLE_TABLE, Actor, Condition, ScopeKind
from lethe.vault.policy import Purpose as VaultPurpose

# Models a link to which is a link to a person.
PERSON_MODELS = ("vault.Subject", "vault.Document", "contacts.Contact")

CONDITIONS = {
    Condition.NONE: "",
    Condition.OWNED: "records they or their team own",
    Condition.CONSENTED: "with a consent for the purpose",
    Condition.IN_CASE: "inside an open request or breach case",
}
LINK_READERS = "whoever may open the record sees the link, never the person's data"


@dataclass(frozen=True)
class Location:
    store: Store
    where: str
    form: str


@dataclass
class Entry:
    """One kind of personal data Lethe keeps, in one field."""

    name: str
    source: str  # "vault field", "custom field" or "model field"
    record_kind: str
    what: str
    categories: tuple[str, ...]
    purposes: tuple[str, ...]
    locations: list[Location]
    readers: list[str]
    retention: str = ""  # its own; blank: its purposes'
    purpose_rows: list[Purpose] = field(default_factory=list)

    @property
    def legal_bases(self) -> list[str]:
        return list(dict.fromkeys(p.basis_label for p in self.purpose_rows))

    @property
    def retention_text(self) -> str:
        if self.retention:
            return self.retention
        return "; ".join(
            f"{p.name}: {p.retention.rstrip('.')} ({p.retention_months} months)"
            for p in self.purpose_rows
        )

    @property
    def retention_months(self) -> int | None:
        if self.retention or not self.purpose_rows:
            return None
        return max(p.retention_months for p in self.purpose_rows)

    @property
    def stores(self) -> list[str]:
        return list(dict.fromkeys(str(loc.store) for loc in self.locations))


def field_key(model: type[models.Model], name: str) -> str:
    """Return how the inventory names a model field: app_label.Model.field."""
    return f"{model._meta.label}.{name}"


def _column(model: type[models.Model], name: str) -> str:
    return f"{model._meta.db_table}.{model._meta.get_field(name).column}"


def role_readers(categories) -> list[str]:
    """Return who may read data of these categories, per the role table."""
    wanted = {str(c) for c in categories}
    readers = []
    for role, grants in ROLE_TABLE.items():
        for grant in grants:
            shared = wanted & {c.value for c in grant.categories}
            if not shared:
                continue
            parts = [str(grant.purpose)]
            if grant.categories != ALL_CATEGORIES and shared != wanted:
                parts.append(", ".join(sorted(shared)))
            if CONDITIONS[grant.condition]:
                parts.append(CONDITIONS[grant.condition])
            if grant.scopes is ScopeKind.HOLD:
                parts.append("legal holds only")
            readers.append(f"{role} ({'; '.join(parts)})")
    return readers


def _backups(locations: list[Location]) -> list[Location]:
    stores = {loc.store for loc in locations}
    copies = [str(s) for s in (Store.MAIN_DB, Store.KEYSTORE, Store.ATTACHMENTS, Store.EXPORTS)]
    held = [s for s in copies if s in stores]
    if not held:
        return locations
    return [
        *locations,
        Location(Store.BACKUPS, f"copies of the {', '.join(held)}", "as in the original"),
    ]


def _vault_locations(personal: vault_fields.PersonalField) -> list[Location]:
    data_keys = apps.get_model("keystore", "DataKey")
    sealed = "sealed (AES-256-GCM) under the person's data key, bound to person and field"
    locations = [
        Location(Store.MAIN_DB, _column(PersonalValue, "ciphertext"), sealed),
        Location(Store.MAIN_DB, _column(PersonalHistory, "ciphertext"), "replaced values, sealed"),
    ]
    if personal.index is not None:
        locations.append(
            Location(
                Store.MAIN_DB, _column(BlindIndex, "value"), "truncated keyed hash (look-up index)"
            )
        )
    locations += [
        Location(
            Store.KEYSTORE,
            f"{data_keys._meta.db_table}.wrapped",
            "the person's data key, wrapped by the master key",
        ),
        Location(
            Store.EXPORTS,
            "files made for the person's access or portability request",
            "sealed, 7 days",
        ),
    ]
    return _backups(locations)


def vault_entries() -> list[Entry]:
    """Return an entry for each of the vault's personal fields, custom ones included."""
    entries = []
    for name, personal in sorted(vault_fields.FIELDS.items()):
        entries.append(
            Entry(
                name=name,
                source="vault field",
                record_kind="contacts.Contact",
                what=f"{cats.label(personal.category)} of a person",
                categories=(personal.category.value,),
                purposes=inventory.FIELD_PURPOSES.get(name, ()),
                locations=_vault_locations(personal),
                readers=role_readers([personal.category]),
            )
        )
    for custom in CustomField.objects.filter(personal=True).order_by("key"):
        personal = vault_fields.get(custom.vault_name)
        entries.append(
            Entry(
                name=custom.vault_name,
                source="custom field",
                record_kind="contacts.Contact",
                what=f"custom field “{custom.label}”",
                categories=(str(custom.category),) if custom.category else (),
                purposes=(custom.purpose,) if custom.purpose else (),
                locations=_vault_locations(personal),
                readers=role_readers([custom.category]),
            )
        )
    return entries


def _is_person_link(model_field) -> bool:
    related = getattr(model_field, "related_model", None)
    if related is None or not model_field.concrete:
        return False
    if isinstance(model_field, models.ManyToManyField):
        return False  # an explicit through model's own foreign keys are scanned instead
    label = related if isinstance(related, str) else related._meta.label  # str: unresolved
    return label in PERSON_MODELS


def scan(model_list=None) -> dict[str, tuple[type[models.Model], Any]]:
    """Return every model field that holds or links to personal data by its kind.

    Found: BinaryFields (ciphertexts, hashes, keys) and links to a person (a vault
    Subject or Document, a Contact), in every model including auto-created ones.
    """
    found = {}
    for model in model_list or apps.get_models(include_auto_created=True):
        for model_field in model._meta.get_fields():
            if not getattr(model_field, "concrete", False):
                continue
            if isinstance(model_field, models.BinaryField) or _is_person_link(model_field):
                found[field_key(model, model_field.name)] = (model, model_field)
    return found


def model_field(key: str):
    """Return (model, field) for an inventory key, or (None, None) if there is none."""
    label, _, name = key.rpartition(".")
    try:
        model = apps.get_model(label)
        return model, model._meta.get_field(name)
    except (LookupError, ValueError, FieldDoesNotExist):
        return None, None


def model_entries() -> list[Entry]:
    """Return an entry for each model field the inventory declares as personal data."""
    entries = []
    for key, declared in inventory.MODEL_FIELDS.items():
        if not isinstance(declared, Held):
            continue
        model, column = model_field(key)
        if model is None:
            continue
        kind = declared.record_kind or model._meta.label
        record = inventory.RECORD_KINDS.get(kind)
        locations = [
            Location(Store.MAIN_DB, f"{model._meta.db_table}.{column.column}", declared.form),
            *(Location(store, where, declared.form) for store, where in declared.also),
        ]
        readers = [declared.readers] if declared.readers else role_readers(declared.categories)
        entries.append(
            Entry(
                name=key,
                source="model field",
                record_kind=kind,
                what=declared.what,
                categories=declared.categories,
                purposes=declared.purposes or (record.purposes if record else ()),
                locations=_backups(locations),
                readers=readers or [LINK_READERS],
                retention=declared.retention,
            )
        )
    return entries


@dataclass
class DataMap:
    """The whole map: Lethe's own entries, the manual ones, the stores and any gaps."""

    entries: list[Entry]
    manual: list[ManualEntry]
    purposes: dict[str, Purpose]
    problems: list[str]
    generated_at: Any

    @property
    def stores(self) -> list[tuple[str, str]]:
        return [(str(s), text) for s, text in inventory.STORES.items()]

    @property
    def every_field_purposes(self) -> list[Purpose]:
        return [self.purposes[k] for k in inventory.EVERY_FIELD_PURPOSES if k in self.purposes]

    @property
    def overdue(self) -> list[ManualEntry]:
        today = timezone.localdate()
        return [m for m in self.manual if m.overdue(today)]


def build() -> DataMap:
    """Generate the data map as it stands now."""
    from lethe.purposes.completeness import problems

    purposes = {p.key: p for p in all_purposes()}
    entries = vault_entries() + model_entries()
    for entry in entries:
        entry.purpose_rows = [purposes[k] for k in entry.purposes if k in purposes]
    manual = list(
        ManualEntry.objects.select_related("owner")
        .prefetch_related("purposes")
        .order_by("review_on", "name", "id")
    )
    return DataMap(entries, manual, purposes, problems(), timezone.now())


# --- export -------------------------------------------------------------------------

COLUMNS = [
    "source",
    "name",
    "record_kind",
    "what",
    "categories",
    "purposes",
    "legal_basis",
    "retention",
    "retention_months",
    "stores",
    "locations",
    "readers",
    "owner",
    "review_on",
    "overdue",
]


def _entry_row(entry: Entry) -> dict[str, Any]:
    return {
        "source": entry.source,
        "name": entry.name,
        "record_kind": entry.record_kind,
        "what": entry.what,
        "categories": list(entry.categories),
        "purposes": list(entry.purposes),
        "legal_basis": entry.legal_bases,
        "retention": entry.retention_text,
        "retention_months": entry.retention_months,
        "stores": entry.stores,
        "locations": [
            {"store": str(loc.store), "where": loc.where, "form": loc.form}
            for loc in entry.locations
        ],
        "readers": entry.readers,
        "owner": "",
        "review_on": None,
        "overdue": False,
    }


def _manual_row(entry: ManualEntry, today) -> dict[str, Any]:
    purposes = list(entry.purposes.all())
    return {
        "source": "manual",
        "name": entry.name,
        "record_kind": "",
        "what": entry.description,
        "categories": list(entry.data_categories),
        "purposes": [p.key for p in purposes],
        "legal_basis": list(dict.fromkeys(p.basis_label for p in purposes)),
        "retention": entry.retention,
        "retention_months": None,
        "stores": ["outside Lethe"],
        "locations": [{"store": "outside Lethe", "where": entry.location, "form": ""}],
        "readers": [],
        "owner": entry.owner.email,
        "review_on": entry.review_on.isoformat(),
        "overdue": entry.overdue(today),
    }


def rows(data_map: DataMap) -> list[dict[str, Any]]:
    """Return one row per entry, Lethe's own first, then the manual ones."""
    today = timezone.localdate()
    return [_entry_row(e) for e in data_map.entries] + [
        _manual_row(m, today) for m in data_map.manual
    ]


def to_json(data_map: DataMap) -> str:
    """Return the data map as a JSON document."""
    document = {
        "generated_at": data_map.generated_at.isoformat(),
        "stores": [{"store": s, "holds": text} for s, text in data_map.stores],
        "every_field_also_processed_for": list(inventory.EVERY_FIELD_PURPOSES),
        "entries": rows(data_map),
        "problems": data_map.problems,
    }
    return json.dumps(document, indent=2, ensure_ascii=False)


def _cell(value: Any) -> object:
    if isinstance(value, list):
        value = "; ".join(
            f"{v['store']}: {v['where']}" if isinstance(v, dict) else str(v) for v in value
        )
    return safe_cell("" if value is None else value)


def to_csv(data_map: DataMap) -> str:
    """Return the data map as CSV, one row per entry."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(COLUMNS)
    for row in rows(data_map):
        writer.writerow([_cell(row[c]) for c in COLUMNS])
    return out.getvalue()


CONTENT_TYPES = {"csv": "text/csv; charset=utf-8", "json": "application/json"}


def export(actor: Actor, fmt: str) -> str:
    """Return the data map as CSV or JSON; the export itself is audited."""
    render_as = {"csv": to_csv, "json": to_json}[fmt]
    data_map = build()
    with transaction.atomic():
        log.record(
            actor,
            Action.EXPORT,
            record_kind="data_map",
            purpose=VaultPurpose.ACCOUNTABILITY,
            detail={"format": fmt, "entries": len(data_map.entries) + len(data_map.manual)},
        )
    return render_as(data_map)
