"""The write path for companies: every change is atomic and audited."""

from __future__ import annotations

from django.db import transaction

from lethe.audit import log
from lethe.audit.models import Action
from lethe.companies.models import Company
from lethe.core import history, records
from lethe.core.tags import set_tags
from lethe.customfields import values as customfields
from lethe.vault.policy import Actor, Purpose

FIELDS = [
    "name",
    "org_number",
    "domain",
    "street",
    "postal_code",
    "city",
    "country",
    "industry",
    "size",
    "owner",
]


def _record(actor: Actor, action: Action, company: Company, changed=()) -> None:
    log.record(
        actor,
        action,
        record_kind="company",
        record_id=company.pk,
        purpose=Purpose.CUSTOMER_RELATIONSHIP,
        detail={"fields": sorted(changed)},
    )


@transaction.atomic
def create_company(actor: Actor, data: dict, owner=None) -> Company:
    """Create a company from cleaned form data."""
    company = Company(**{f: data[f] for f in FIELDS if f in data})
    if company.owner is None:
        company.owner = owner
    company.save()
    set_tags(company, data.get("tags", []))
    custom = customfields.save(company.pk, data.get("custom", {}))
    _record(actor, Action.CREATE, company, [*(f for f in FIELDS if data.get(f)), *custom])
    return company


@transaction.atomic
def update_company(actor: Actor, company: Company, data: dict) -> Company:
    """Change the given fields of a company (cleaned form data)."""
    changed = [f for f in FIELDS if f in data and getattr(company, f) != data[f]]
    changes = {name: (getattr(company, name), data[name]) for name in changed}
    for name in changed:
        setattr(company, name, data[name])
    if changed:
        company.save(update_fields=[*changed, "updated_at"])
    if "tags" in data:
        before = sorted(company.tags.values_list("name", flat=True))
        if before != sorted(data["tags"]):
            set_tags(company, data["tags"])
            changed.append("tags")
            changes["tags"] = (before, data["tags"])
    custom = customfields.save(company.pk, data.get("custom", {}))
    changed.extend(custom)
    changes.update(custom)
    if changed:
        history.record(actor, "company", company.pk, changes)
        _record(actor, Action.UPDATE, company, changed)
    return company


@transaction.atomic
def archive_company(actor: Actor, company: Company) -> Company:
    """Archive (deactivate) a company; reversible, and not an erasure."""
    if history.set_archived(actor, company, "company", True):
        _record(actor, Action.ARCHIVE, company)
    return company


@transaction.atomic
def restore_company(actor: Actor, company: Company) -> Company:
    """Bring an archived company back."""
    if history.set_archived(actor, company, "company", False):
        _record(actor, Action.UPDATE, company, ["archived_at"])
    return company


@transaction.atomic
def delete_company(actor: Actor, company: Company) -> None:
    """Delete a company for good (its contacts stay, without this company)."""
    _record(actor, Action.DELETE, company)
    company_id = company.pk
    history.forget("company", [company.pk])
    customfields.forget("company", [company.pk])
    company.delete()
    # Its record key goes too: its sealed notes and files become unreadable everywhere.
    records.forget(actor, "company", [company_id])


@transaction.atomic
def create_companies(actor: Actor, items: list[dict], owner=None) -> list[Company]:
    """Create many companies from cleaned form data as one batch, with one audit event."""
    companies = [Company(**{f: data[f] for f in FIELDS if f in data}) for data in items]
    for company in companies:
        company.owner = company.owner or owner
    Company.objects.bulk_create(companies)
    for company, data in zip(companies, items, strict=True):
        if data.get("tags"):
            set_tags(company, data["tags"])
    log.record(
        actor,
        Action.CREATE,
        record_kind="company",
        purpose=Purpose.CUSTOMER_RELATIONSHIP,
        detail={"companies": len(companies), "ids": [c.pk for c in companies]},
    )
    return companies
