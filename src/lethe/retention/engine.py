"""`retention plan` and `retention run`: what is no longer needed, and erasing it.

The run erases through the same machinery as a person's deletion or erasure request
(lethe.contacts.deletion: every linked record, the person's key last) and the
activities' own delete; it is audited, and resumable: the targets are fixed when a
run starts and each one is marked done in the transaction that erases it, so a run
killed halfway is finished by the next one.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from django.db import transaction
from django.utils import timezone

from lethe.activities.actions import delete_activity
from lethe.activities.models import Activity
from lethe.audit import log
from lethe.audit.models import Action
from lethe.contacts.deletion import delete_contact
from lethe.contacts.models import Contact
from lethe.holds.actions import release_due
from lethe.retention import rules
from lethe.retention.models import Policy, Run
from lethe.vault.policy import Actor, Purpose

PURPOSE = Purpose.CUSTOMER_RELATIONSHIP


@dataclass
class PlanItem:
    policy: Policy
    kind: str
    ids: list[int] = field(default_factory=list)

    @property
    def reason(self) -> str:
        return f"{self.policy.get_rule_display()} {self.policy.months} months"


def plan(as_of: datetime | None = None) -> list[PlanItem]:
    """Return, per enabled policy, the records that are due for erasure as of `as_of`."""
    as_of = as_of or timezone.now()
    items = []
    taken: set[tuple[str, int]] = set()
    for policy in Policy.objects.filter(enabled=True).order_by("record_kind", "key"):
        ids = rules.FINDERS[policy.rule](policy, as_of)
        # A contact's own activities go with the contact: count each record once.
        ids = [i for i in ids if (policy.record_kind, i) not in taken]
        taken.update((policy.record_kind, i) for i in ids)
        items.append(PlanItem(policy, policy.record_kind, ids))
    return items


def _erase_contact(actor: Actor, pk: int) -> bool:
    contact = Contact.objects.filter(pk=pk).select_related("subject").first()
    if contact is None:
        return False
    delete_contact(actor, PURPOSE, contact)
    return True


def _erase_activity(actor: Actor, pk: int) -> bool:
    activity = Activity.objects.filter(pk=pk).select_related("body").first()
    if activity is None:
        return False
    delete_activity(actor, PURPOSE, activity)
    return True


ERASERS: dict[str, Callable[[Actor, int], bool]] = {
    "contact": _erase_contact,
    "activity": _erase_activity,
}


def unfinished() -> Run | None:
    return Run.objects.filter(finished_at__isnull=True).order_by("started_at").first()


def start(actor: Actor, as_of: datetime | None = None) -> Run:
    """Fix the targets of a new run (contacts first: their activities go with them)."""
    as_of = as_of or timezone.now()
    targets = [[item.kind, i, item.policy.key] for item in plan(as_of) for i in item.ids]
    targets.sort(key=lambda t: (t[0] != "contact", t[1]))
    return Run.objects.create(as_of=as_of, targets=targets, started_by=actor.label)


def run(
    actor: Actor | None = None,
    as_of: datetime | None = None,
    *,
    progress: Callable[[int, int], None] | None = None,
) -> Run:
    """Finish an interrupted run if there is one, else start and carry out a new one."""
    actor = actor or Actor.system("retention")
    current = unfinished() or start(actor, as_of)
    done = set(current.done)
    erased = 0
    for n, (kind, pk, _policy) in enumerate(current.targets, 1):
        tag = f"{kind}:{pk}"
        if tag in done:
            continue
        with transaction.atomic():
            if ERASERS[kind](actor, pk):
                erased += 1
            done.add(tag)
            current.done = sorted(done)
            current.save(update_fields=["done"])
        if progress:
            progress(n, len(current.targets))
    # Legal holds whose end has passed: their key scope is destroyed (SPEC I4).
    released = release_due(as_of)
    with transaction.atomic():
        current.finished_at = timezone.now()
        current.save(update_fields=["finished_at"])
        log.record(
            actor,
            Action.DELETE,
            record_kind="retention_run",
            record_id=str(current.pk),
            purpose=PURPOSE,
            detail={
                "targets": len(current.targets),
                "erased_now": erased,
                "holds_released": released,
            },
        )
    return current
