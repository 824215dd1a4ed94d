"""`lethe retention plan|run`: what retention would erase, and erasing it."""

from __future__ import annotations

import json
from datetime import datetime, time

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone
from django.utils.dateparse import parse_date
from tqdm import tqdm

from lethe.retention import engine


def _as_of(value: str | None) -> datetime | None:
    if not value:
        return None
    day = parse_date(value)
    if day is None:
        raise CommandError(f"--as-of must be a date like 2027-01-31, not {value!r}")
    return timezone.make_aware(datetime.combine(day, time(23, 59, 59)))


class Command(BaseCommand):
    help = "Show (plan) or carry out (run) the retention policies; a run resumes if interrupted."

    def add_arguments(self, parser):
        parser.add_argument("action", choices=["plan", "run"])
        parser.add_argument("--as-of", help="evaluate the policies as of this date (YYYY-MM-DD)")
        parser.add_argument("--json", action="store_true", help="plan: print JSON")

    def handle(self, *args, action, as_of, json: bool = False, **options):
        when = _as_of(as_of)
        if action == "plan":
            return self._plan(when, as_json=json)
        bar = None

        def progress(n, total):
            nonlocal bar
            if bar is None:
                bar = tqdm(total=total, unit="record", file=self.stderr)
            bar.n = n
            bar.refresh()

        result = engine.run(as_of=when, progress=progress)
        if bar:
            bar.close()
        self.stdout.write(
            f"retention run {result.pk}: {len(result.targets)} records erased or already gone"
        )

    def _plan(self, when, *, as_json: bool):
        items = engine.plan(when)
        if as_json:
            out = [
                {
                    "policy": i.policy.key,
                    "kind": i.kind,
                    "count": len(i.ids),
                    "ids": i.ids,
                    "why": i.reason,
                }
                for i in items
            ]
            self.stdout.write(json_dumps(out))
            return
        for item in items:
            self.stdout.write(f"{item.policy.key}: {len(item.ids)} {item.kind}(s) ({item.reason})")
        self.stdout.write(f"total: {sum(len(i.ids) for i in items)} records would be erased")


def json_dumps(data) -> str:
    return json.dumps(data, indent=2)
