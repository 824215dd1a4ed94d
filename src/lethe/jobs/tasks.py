"""Lethe's background jobs. Arguments are ids and pseudonyms only, never personal data.

Features add their periodic jobs here (retention runs, hold releases) so that one
module lists everything the worker does on its own.
"""

from __future__ import annotations

from datetime import timedelta

from django.db import transaction
from django_tasks import task

from lethe.audit import log
from lethe.audit.models import Action
from lethe.jobs.schedule import periodic
from lethe.vault.policy import Actor


@task()
def probe(marker: str) -> str:
    """Record that a worker ran this job (`lethe worker --probe`, and the queue's tests)."""
    with transaction.atomic():
        log.record(Actor.system("worker"), Action.SYSTEM, detail={"job": "probe", "marker": marker})
    return marker


@periodic("purge_expired_exports", timedelta(hours=1))
@task()
def purge_expired_exports() -> int:
    """Destroy exports made for requests once their 7 days are over (lethe.dsr.store)."""
    from lethe.dsr import store

    return store.purge_expired(Actor.system("worker"))


@periodic("retention_run", timedelta(days=1))
@task()
def retention_run() -> int:
    """Carry out the retention policies (lethe.retention.engine); resumes a broken run."""
    from lethe.retention import engine

    return len(engine.run(Actor.system("retention")).targets)


@periodic("purge_portal_links", timedelta(hours=1))
@task()
def purge_portal_links() -> dict:
    """Delete the self-service portal's expired links and their sealed details."""
    from lethe.portal import actions

    return actions.purge_expired(Actor.system("worker"))
