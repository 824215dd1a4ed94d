"""The write path for companies: every change is atomic and audited."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from lethe.audit import log
from lethe.audit.models import Action
from lethe.companies.models import Company
from lethe.core import history
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
    if company.archived_at is None:
        company.archived_at = timezone.now()
        company.save(update_fields=["archived_at", "updated_at"])
        history.record(actor, "company", company.pk, {"archived_at": (None, company.archived_at)})
        _record(actor, Action.ARCHIVE, company)
    return company


@transaction.atomic
def restore_company(actor: Actor, company: Company) -> Company:
    """Bring an archived company back."""
    if company.archived_at is not None:
        history.record(actor, "company", company.pk, {"archived_at": (company.archived_at, None)})
        company.archived_at = None
        company.save(update_fields=["archived_at", "updated_at"])
        _record(actor, Action.UPDATE, company, ["archived_at"])
    return company


@transaction.atomic
def delete_company(actor: Actor, company: Company) -> None:
    """Delete a company for good (its contacts stay, without this company)."""
    _record(actor, Action.DELETE, company)
    history.forget("company", [company.pk])
    customfields.forget("company", [company.pk])
    company.delete()
