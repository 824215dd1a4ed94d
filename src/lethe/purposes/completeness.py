"""Gaps in the data map and the registry: personal data without category, purpose or retention.

`problems()` is empty when every model field that holds personal data (found by
scanning the models, plus the vault's field registry and the inventory's
declarations) has a data category, purposes that exist in the registry and list
that category, and a retention; and when every purpose has every Art. 30(1) item.
The data map page shows the problems; the test suite fails on any.
"""

from __future__ import annotations

from lethe.purposes import categories as cats
from lethe.purposes import datamap, inventory
from lethe.purposes.inventory import Held
from lethe.purposes.models import LegalBasis, Purpose
from lethe.purposes.registry import all_purposes
from lethe.vault.policy import ALL_CATEGORIES, ROLE_TABLE


def purpose_gaps(purpose: Purpose) -> list[str]:
    """Return the Art. 30(1) items a purpose lacks."""
    gaps = [
        item
        for item, value in (
            ("name", purpose.name),
            ("description", purpose.description),
            ("legal basis", purpose.legal_basis),
            ("categories of data subjects", purpose.subject_categories),
            ("categories of personal data", purpose.data_categories),
            ("recipients", purpose.recipients),
            ("retention", purpose.retention),
            ("retention in months", purpose.retention_months),
            ("security measures", purpose.security_measures),
            ("whether providing the data is required", purpose.provision),
        )
        if not value
    ]
    if purpose.legal_basis == LegalBasis.LEGITIMATE_INTERESTS and not purpose.legitimate_interest:
        gaps.append("the legitimate interest")
    if purpose.transfers and not purpose.transfer_safeguards:
        gaps.append("safeguards for its transfers")
    unknown = set(purpose.data_categories) - set(cats.CATEGORIES)
    gaps += [f"a known category instead of {c!r}" for c in sorted(unknown)]
    return gaps


def _declaration_problems(model_list) -> list[str]:
    found = []
    for key, (_model, model_field) in sorted(datamap.scan(model_list).items()):
        if key not in inventory.MODEL_FIELDS:
            found.append(
                f"{key} ({type(model_field).__name__}) may hold or link to personal data but "
                "the data map does not declare it: add it to "
                "lethe.purposes.inventory.MODEL_FIELDS with its categories"
            )
    for key, declared in inventory.MODEL_FIELDS.items():
        model, _field = datamap.model_field(key)
        if model is None:
            found.append(f"{key} is declared in the data map but no model has that field")
        elif isinstance(declared, Held):
            kind = declared.record_kind or model._meta.label
            if kind not in inventory.RECORD_KINDS:
                found.append(
                    f"record kind {kind} ({key}) is not tied to purposes: add it to "
                    "lethe.purposes.inventory.RECORD_KINDS"
                )
    for kind, record in inventory.RECORD_KINDS.items():
        if not record.purposes:
            found.append(f"record kind {kind} has no purpose")
    return found


def _entry_problems(entry: datamap.Entry, purposes: dict[str, Purpose]) -> list[str]:
    found = []
    name = f"{entry.source} {entry.name}"
    if not entry.categories:
        found.append(f"{name} has no data category")
    for category in entry.categories:
        if category not in cats.CATEGORIES:
            found.append(f"{name} has an unknown data category {category!r}")
    if not entry.purposes:
        found.append(
            f"{name} has no purpose: tie it to purposes in lethe.purposes.inventory "
            "(FIELD_PURPOSES for vault fields)"
        )
    retained = bool(entry.retention)
    for key in entry.purposes:
        purpose = purposes.get(key)
        if purpose is None:
            found.append(f"{name} is held for {key!r}, which is not in the purposes registry")
            continue
        retained = retained or bool(purpose.retention and purpose.retention_months)
        for category in entry.categories:
            if category not in purpose.data_categories:
                found.append(
                    f"{name} holds {category} for {key}, but that purpose does not list "
                    "the category"
                )
    if entry.purposes and not retained:
        found.append(f"{name} has no retention (its purposes state none)")
    return found


def _role_table_problems(entries: list[datamap.Entry]) -> list[str]:
    """A role that reads a category for a purpose needs a field held for that purpose."""
    held = {
        (category, purpose)
        for entry in entries
        if entry.source == "vault field"
        for category in entry.categories
        for purpose in entry.purposes
    }
    found = []
    for role, grants in ROLE_TABLE.items():
        for grant in grants:
            if grant.categories == ALL_CATEGORIES:
                continue
            for category in sorted(grant.categories):
                if (category.value, grant.purpose.value) not in held:
                    found.append(
                        f"role {role} reads {category} for {grant.purpose}, but no vault field "
                        "of that category is held for that purpose"
                    )
    return found


def problems(model_list=None) -> list[str]:
    """Return every gap in the data map and the registry (empty: complete)."""
    purposes = {p.key: p for p in all_purposes()}
    found = [
        f"purpose {key} lacks {gap}"
        for key, purpose in purposes.items()
        for gap in purpose_gaps(purpose)
    ]
    found += _declaration_problems(model_list)
    entries = datamap.vault_entries() + datamap.model_entries()
    for entry in entries:
        found += _entry_problems(entry, purposes)
    found += _role_table_problems(entries)
    return found


def required_categories(purpose_key: str) -> dict[str, list[str]]:
    """Return, per data category, the fields held for this purpose that need it listed."""
    needed: dict[str, list[str]] = {}
    for entry in datamap.vault_entries() + datamap.model_entries():
        if purpose_key in entry.purposes:
            for category in entry.categories:
                needed.setdefault(category, []).append(entry.name)
    return needed
