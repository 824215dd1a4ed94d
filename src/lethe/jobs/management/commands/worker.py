"""`lethe worker`: run background jobs from the database queue, and the periodic ones."""

from __future__ import annotations

import os
import socket
import time

from django.core.management.base import BaseCommand, CommandError
from django_tasks_db.management.commands.db_worker import Worker

from lethe.jobs import schedule, tasks


class Command(BaseCommand):
    help = (
        "Run Lethe's background jobs (retention, export expiry, hold releases). Start one "
        "or more on any machine sharing the database; a job never runs twice."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--interval", type=float, default=5.0, help="seconds to wait when idle (default 5)"
        )
        parser.add_argument(
            "--once",
            action="store_true",
            help="enqueue what is due, run every queued job, then exit (for cron)",
        )
        parser.add_argument(
            "--probe", action="store_true", help="queue one probe job and exit (checks the queue)"
        )

    def handle(self, *args, interval, once, probe, **options):
        if interval <= 0:
            raise CommandError("--interval must be a positive number of seconds")
        if probe:
            result = tasks.probe.enqueue(f"probe-{time.time_ns()}")
            self.stdout.write(f"queued probe job {result.id}")
            return
        worker_id = f"{socket.gethostname()}-{os.getpid()}"[:64]
        try:
            self._loop(worker_id, interval, once, options["verbosity"])
        except KeyboardInterrupt:
            self.stdout.write("worker stopped")

    def _loop(self, worker_id, interval, once, verbosity):
        while True:
            due = schedule.enqueue_due()
            if due and verbosity > 1:
                self.stdout.write(f"enqueued {', '.join(due)}")
            Worker(
                queue_names=["default"],
                interval=0,
                batch=True,
                backend_name="default",
                startup_delay=False,
                max_tasks=None,
                worker_id=worker_id,
                excluded_queue_names=[],
            ).run()
            if once:
                return
            time.sleep(interval)
