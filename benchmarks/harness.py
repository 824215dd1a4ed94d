"""What the benchmark scripts share: a throwaway Lethe, clocks, percentiles, the profiler
switch and the machine facts printed with every run. Not a test; nothing here asserts."""

from __future__ import annotations

import cProfile
import datetime
import io
import os
import platform
import pstats
import shutil
import sqlite3
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path


def setup_django(data_dir: Path, database_urls: tuple[str, str] | None = None) -> None:
    """Point Lethe at a fresh data dir (test env), set up Django, keys and schema.

    SQLite files in the data dir, unless `database_urls` (main, keystore) name others.
    """
    # No LETHE_* setting of the caller's (database URLs, key files, ...) may leak in.
    for name in [n for n in os.environ if n.startswith("LETHE_")]:
        del os.environ[name]
    os.environ["LETHE_ENV"] = "test"
    os.environ["LETHE_DATA_DIR"] = str(data_dir)
    if database_urls:
        os.environ["LETHE_DATABASE_URL"], os.environ["LETHE_KEYSTORE_URL"] = database_urls
    # Django's test client sends Host: testserver; debug stays off (LETHE_DEBUG unset).
    os.environ["LETHE_ALLOWED_HOSTS"] = "testserver"
    os.environ["DJANGO_SETTINGS_MODULE"] = "lethe.settings"

    import django

    django.setup()

    from django.conf import settings
    from django.core.management import call_command

    from lethe.vault import keyadmin

    keyadmin.initialise(settings.CONFIG)
    for alias in ("default", "keystore"):
        call_command("migrate", database=alias, verbosity=0, interactive=False)


@dataclass
class Timing:
    """Wall and CPU seconds of one section, plus per-call samples where taken."""

    wall: float = 0.0
    cpu: float = 0.0
    walls: list[float] = field(default_factory=list)
    cpus: list[float] = field(default_factory=list)


class Clock:
    """Context manager adding wall (perf_counter) and CPU (process_time) time to a Timing."""

    def __init__(self, timing: Timing):
        self.timing = timing

    def __enter__(self):
        self.wall0, self.cpu0 = time.perf_counter(), time.process_time()
        return self

    def __exit__(self, *exc):
        self.timing.wall += time.perf_counter() - self.wall0
        self.timing.cpu += time.process_time() - self.cpu0


def percentile(samples: list[float], q: float) -> float:
    """Nearest-rank percentile (q in 0..100) of the samples."""
    ordered = sorted(samples)
    rank = max(1, round(q / 100 * len(ordered)))
    return ordered[min(rank, len(ordered)) - 1]


class Profiler:
    """cProfile around a section when --profile is given; a no-op otherwise."""

    def __init__(self, enabled: bool):
        self.profile = cProfile.Profile() if enabled else None

    def __enter__(self):
        if self.profile:
            self.profile.enable()
        return self

    def __exit__(self, *exc):
        if self.profile:
            self.profile.disable()

    def report(self, title: str, limit: int = 30) -> None:
        if not self.profile:
            return
        for sort in ("tottime", "cumulative"):
            out = io.StringIO()
            stats = pstats.Stats(self.profile, stream=out)
            stats.strip_dirs().sort_stats(sort).print_stats(limit)
            print(f"\n=== cProfile: {title}, by {sort} ===")
            print(out.getvalue().split("\n", 4)[-1].rstrip())


def machine_facts() -> list[tuple[str, str]]:
    import cryptography
    import django

    return [
        ("date", datetime.date.today().isoformat()),
        ("python", f"{platform.python_implementation()} {platform.python_version()}"),
        ("sqlite", sqlite3.sqlite_version),
        ("django", django.get_version()),
        ("cryptography", cryptography.__version__),
        ("cpus", str(os.cpu_count())),
        ("platform", platform.platform()),
        ("load", " ".join(f"{x:.1f}" for x in os.getloadavg()) + " (1, 5, 15 min, at the end)"),
    ]


def rule(title: str = "") -> None:
    print(f"--- {title} ".ljust(78, "-") if title else "-" * 78)


def main(parse_args: Callable, run: Callable, argv=None) -> int:
    """Parse the options, run in a throwaway directory, and always remove it."""
    args = parse_args(argv)
    tmp = Path(tempfile.mkdtemp(prefix="lethe-bench-"))
    try:
        run(args, tmp)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return 0
