"""Finding activities: who they name, list filters, open tasks."""

from __future__ import annotations

import datetime
from collections.abc import Iterable

from django.db.models import QuerySet

from lethe.activities.models import Activity, ActivityMention, ActivityParticipant


def naming(subject_ids: Iterable) -> QuerySet[Activity]:
    """Return every activity (archived ones too) that names one of these people.

    An activity names a person if it is about them (its contact), they took part in
    it, or its text @mentions them. Data-subject requests (access, erasure) use this.
    """
    ids = list(subject_ids)
    # Three look-ups, each on its own index, then one by primary key: one OR across a
    # join and two subqueries made both databases read every activity (docs/performance.md).
    found = set(Activity.objects.filter(contact__subject_id__in=ids).values_list("pk", flat=True))
    for link in (ActivityParticipant, ActivityMention):
        found.update(link.objects.filter(subject_id__in=ids).values_list("activity_id", flat=True))
    return Activity.objects.filter(pk__in=sorted(found))


def loaded(activities: QuerySet[Activity]) -> QuerySet[Activity]:
    """Return the activities with what showing them needs, fetched in a fixed few queries."""
    return activities.select_related("body", "owner", "contact").prefetch_related(
        "participant_links", "mention_links"
    )


def open_tasks(owner_id: int) -> QuerySet[Activity]:
    """Return the open tasks of a user, the most overdue first."""
    return Activity.objects.filter(
        owner_id=owner_id,
        kind=Activity.Kind.TASK,
        done_at__isnull=True,
        archived_at__isnull=True,
    ).order_by("due_date", "occurred_at", "id")


def filtered(
    *,
    contact: int | None = None,
    company: int | None = None,
    deal: int | None = None,
    kind: str = "",
    owner: int | None = None,
    open_tasks: bool = False,
    due_before: datetime.date | None = None,
    due_after: datetime.date | None = None,
    archived: bool = False,
) -> QuerySet[Activity]:
    """Return the activities matching the list filters, newest first."""
    activities = Activity.objects.filter(archived_at__isnull=not archived)
    for name, value in (
        ("contact_id", contact),
        ("company_id", company),
        ("deal_id", deal),
        ("owner_id", owner),
    ):
        if value is not None:
            activities = activities.filter(**{name: value})
    if kind:
        activities = activities.filter(kind=kind)
    if open_tasks:
        activities = activities.filter(kind=Activity.Kind.TASK, done_at__isnull=True)
    if due_before is not None:
        activities = activities.filter(due_date__lt=due_before)
    if due_after is not None:
        activities = activities.filter(due_date__gt=due_after)
    return activities
