"""The database job queue: periodic jobs enqueued once per period, and no job run twice."""

from __future__ import annotations

import subprocess
import sys
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.db import connections
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from lethe.audit.models import Action, AuditEvent
from lethe.jobs import schedule, tasks
from lethe.jobs.models import Schedule
from tests.audit.test_concurrency import worker_env
from tests.conftest import ALL


def probes() -> list[str]:
    events = AuditEvent.objects.filter(action=Action.SYSTEM)
    return [d["marker"] for d in events.values_list("detail", flat=True) if "marker" in d]


@pytest.mark.django_db(databases=ALL)
def test_a_periodic_job_is_enqueued_once_per_period():
    now = timezone.now()
    assert "purge_expired_exports" in schedule.enqueue_due(now)
    assert "purge_expired_exports" not in schedule.enqueue_due(now + timedelta(minutes=59))
    assert "purge_expired_exports" in schedule.enqueue_due(now + timedelta(minutes=61))
    row = Schedule.objects.get(name="purge_expired_exports")
    assert row.next_run_at == now + timedelta(minutes=61) + timedelta(hours=1)
    queued = DBTaskResult.objects.filter(task_path__endswith="purge_expired_exports")
    assert queued.count() == 2


@pytest.fixture
def keep_connections(monkeypatch):
    """The worker closes stale connections between jobs; the test's transaction must stay.

    (Django's test client disconnects close_old_connections from request_finished for
    the same reason.)
    """
    from django_tasks_db.management.commands import db_worker

    monkeypatch.setattr(db_worker, "close_old_connections", lambda: None)


@pytest.mark.django_db(databases=ALL)
def test_worker_once_runs_the_queued_jobs_and_the_due_periodic_ones(keep_connections):
    tasks.probe.enqueue("first")
    tasks.probe.enqueue("second")
    call_command("worker", "--once")
    assert sorted(probes()) == ["first", "second"]
    assert not DBTaskResult.objects.exclude(status="SUCCESSFUL").exists()
    assert DBTaskResult.objects.filter(task_path__endswith="purge_expired_exports").exists()
    call_command("worker", "--once")
    assert sorted(probes()) == ["first", "second"]  # nothing ran twice


@pytest.mark.django_db(databases=ALL)
def test_worker_rejects_a_bad_interval():
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="--interval"):
        call_command("worker", "--once", "--interval", "0")


@pytest.mark.django_db(databases=ALL, transaction=True)
def test_two_workers_on_one_postgresql_queue_never_run_a_job_twice():
    if connections["default"].vendor != "postgresql":
        pytest.skip("two worker processes sharing a queue need a database server")
    jobs = 300
    for n in range(jobs):
        tasks.probe.enqueue(f"job-{n}")
    command = [sys.executable, "-m", "lethe", "worker", "--once"]
    workers = [
        subprocess.Popen(command, env=worker_env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        for _ in range(2)
    ]
    for worker in workers:
        _out, err = worker.communicate(timeout=300)
        assert worker.returncode == 0, err.decode()[-2000:]
    markers = probes()
    assert len(markers) == jobs
    assert sorted(markers) == sorted(f"job-{n}" for n in range(jobs))
    results = DBTaskResult.objects.filter(task_path__endswith=".probe")
    assert results.count() == jobs
    assert all(r.status == "SUCCESSFUL" and len(r.worker_ids) == 1 for r in results)
