"""Periodic jobs: registered in code, due times kept in the database.

Each worker, before it looks for work, calls `enqueue_due`: it locks the schedule rows
that are due with SELECT ... FOR UPDATE SKIP LOCKED (a no-op on SQLite, where the
write transaction serialises workers), enqueues each job once and moves its due time
on, so several workers on several machines enqueue a periodic job once per period.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from lethe.jobs.models import Schedule


@dataclass(frozen=True)
class Periodic:
    name: str
    task: object  # a django_tasks Task
    every: timedelta


PERIODIC: dict[str, Periodic] = {}


def periodic(name: str, every: timedelta):
    """Register the decorated django-tasks task to be enqueued every `every`."""

    def decorate(task):
        PERIODIC[name] = Periodic(name, task, every)
        return task

    return decorate


def enqueue_due(now=None) -> list[str]:
    """Enqueue every registered periodic job that is due; return their names."""
    now = now or timezone.now()
    with transaction.atomic():
        known = set(Schedule.objects.values_list("name", flat=True))
        Schedule.objects.bulk_create(
            [
                Schedule(name=p.name, every_seconds=int(p.every.total_seconds()), next_run_at=now)
                for p in PERIODIC.values()
                if p.name not in known
            ],
            ignore_conflicts=True,
        )
    enqueued = []
    with transaction.atomic():
        due = Schedule.objects.select_for_update(skip_locked=True).filter(
            name__in=list(PERIODIC), next_run_at__lte=now
        )
        for row in due:
            job = PERIODIC[row.name]
            job.task.enqueue()
            row.every_seconds = int(job.every.total_seconds())
            row.next_run_at = now + job.every
            row.last_enqueued_at = now
            row.save()
            enqueued.append(row.name)
    return enqueued
