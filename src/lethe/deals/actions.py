"""The write path for deals: every change is atomic and audited."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from lethe.audit import log
from lethe.audit.models import Action
from lethe.core import history
from lethe.core.tags import set_tags
from lethe.customfields import values as customfields
from lethe.deals.models import Deal, DealContact, Stage
from lethe.vault.policy import Actor, Purpose

FIELDS = [
    "title",
    "company",
    "amount",
    "currency",
    "pipeline",
    "stage",
    "expected_close",
    "probability",
    "owner",
    "lost_reason",
]


def _record(actor: Actor, action: Action, deal: Deal, changed=()) -> None:
    subjects = [c.subject_id for c in deal.contacts.all()] if deal.pk else []
    log.record(
        actor,
        action,
        record_kind="deal",
        record_id=deal.pk,
        subjects=subjects,
        purpose=Purpose.CUSTOMER_RELATIONSHIP,
        detail={"fields": sorted(changed)},
    )


def _closing(deal: Deal) -> None:
    """Set or clear closed_at as the deal enters or leaves a won or lost stage."""
    closed = deal.stage.kind != Stage.Kind.OPEN
    if closed and deal.closed_at is None:
        deal.closed_at = timezone.now()
    elif not closed:
        deal.closed_at = None
        deal.lost_reason = ""


@transaction.atomic
def create_deal(actor: Actor, data: dict, owner=None) -> Deal:
    """Create a deal from cleaned form data."""
    deal = Deal(**{f: data[f] for f in FIELDS if data.get(f) not in (None, "")})
    deal.owner = deal.owner or owner
    _closing(deal)
    deal.save()
    set_tags(deal, data.get("tags", []))
    custom = customfields.save(deal.pk, data.get("custom", {}))
    _record(
        actor, Action.CREATE, deal, [*(f for f in FIELDS if data.get(f) not in (None, "")), *custom]
    )
    return deal


@transaction.atomic
def update_deal(actor: Actor, deal: Deal, data: dict) -> Deal:
    """Change the given fields of a deal (cleaned form data), e.g. move it to a stage."""
    changed = [f for f in FIELDS if f in data and getattr(deal, f) != data[f]]
    changes = {name: (getattr(deal, name), data[name]) for name in changed}
    for name in changed:
        setattr(deal, name, data[name])
    if "stage" in changed:
        _closing(deal)
    if changed:
        deal.save()
    before = sorted(deal.tags.values_list("name", flat=True)) if "tags" in data else None
    if "tags" in data and before != sorted(data["tags"]):
        set_tags(deal, data["tags"])
        changed.append("tags")
        changes["tags"] = (before, data["tags"])
    custom = customfields.save(deal.pk, data.get("custom", {}))
    changed.extend(custom)
    changes.update(custom)
    if changed:
        history.record(actor, "deal", deal.pk, changes)
        _record(actor, Action.UPDATE, deal, changed)
    return deal


@transaction.atomic
def set_contacts(actor: Actor, deal: Deal, roles: dict) -> Deal:
    """Make exactly these contacts part of the deal, each with its role."""
    DealContact.objects.filter(deal=deal).exclude(contact__in=list(roles)).delete()
    for contact, role in roles.items():
        DealContact.objects.update_or_create(deal=deal, contact=contact, defaults={"role": role})
    _record(actor, Action.UPDATE, deal, ["contacts"])
    return deal


@transaction.atomic
def archive_deal(actor: Actor, deal: Deal) -> Deal:
    """Archive a deal; reversible."""
    if deal.archived_at is None:
        deal.archived_at = timezone.now()
        deal.save(update_fields=["archived_at", "updated_at"])
        history.record(actor, "deal", deal.pk, {"archived_at": (None, deal.archived_at)})
        _record(actor, Action.ARCHIVE, deal)
    return deal


@transaction.atomic
def restore_deal(actor: Actor, deal: Deal) -> Deal:
    """Bring an archived deal back."""
    if deal.archived_at is not None:
        history.record(actor, "deal", deal.pk, {"archived_at": (deal.archived_at, None)})
        deal.archived_at = None
        deal.save(update_fields=["archived_at", "updated_at"])
        _record(actor, Action.UPDATE, deal, ["archived_at"])
    return deal


@transaction.atomic
def delete_deal(actor: Actor, deal: Deal) -> None:
    """Delete a deal for good."""
    _record(actor, Action.DELETE, deal)
    history.forget("deal", [deal.pk])
    customfields.forget("deal", [deal.pk])
    deal.delete()
