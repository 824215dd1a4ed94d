"""Many writers appending to the audit chain at once: seq stays gapless and the chain verifies.

On PostgreSQL the writers are separate OS processes connected to the test database,
serialised by the chain head's row lock. On SQLite they are threads (each with its
own connection), serialised by IMMEDIATE transactions and the busy timeout.
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import threading
import time
from urllib.parse import quote

import pytest
from django.conf import settings
from django.db import connections, transaction

from lethe.audit import log
from lethe.audit.models import Action, AuditEvent, ChainHead
from lethe.audit.verify import verify
from lethe.vault.policy import Actor
from tests.conftest import ALL

pytestmark = pytest.mark.django_db(databases=ALL, transaction=True)

WRITERS = 8
EARLIER = 5  # events in the log before the writers start
TIMEOUT = 120

WORKER = textwrap.dedent(
    """
    import sys
    import time
    from pathlib import Path

    import django

    django.setup()

    from django.db import connections, transaction

    from lethe.audit import log
    from lethe.audit.models import Action
    from lethe.vault.policy import Actor

    n, count, barrier = int(sys.argv[1]), int(sys.argv[2]), Path(sys.argv[3])
    with connections["default"].cursor() as cursor:
        # Commits need not wait for the disk: the chain head's lock is held until commit
        # all the same, and the run is shorter.
        cursor.execute("SET synchronous_commit = off")
    (barrier / f"ready-{n}").touch()
    deadline = time.monotonic() + 60
    while not (barrier / "go").exists():
        if time.monotonic() > deadline:
            sys.exit(f"writer {n} never saw the go signal")
        time.sleep(0.002)
    actor = Actor("user", f"w{n}", frozenset())
    for i in range(count):
        with transaction.atomic():
            log.record(actor, Action.READ, detail={"w": n, "i": i})
    connections.close_all()
    """
)


def append_earlier_events() -> None:
    actor = Actor("user", "earlier", frozenset())
    for i in range(EARLIER):
        with transaction.atomic():
            log.record(actor, Action.READ, detail={"i": i})


def database_url(alias: str) -> str:
    """Return a postgres:// URL for the database this test process is connected to."""
    db = connections[alias].settings_dict
    user = quote(db["USER"] or "", safe="")
    password = f":{quote(db['PASSWORD'], safe='')}" if db["PASSWORD"] else ""
    host = db["HOST"] or "localhost"
    port = f":{db['PORT']}" if db["PORT"] else ""
    return f"postgres://{user}{password}@{host}{port}/{quote(db['NAME'], safe='')}"


def worker_env() -> dict[str, str]:
    """The suite's data dir and test databases, and nothing else of the test's LETHE_* env."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith("LETHE_") and k != "DJANGO_SETTINGS_MODULE"
    }
    env.update(
        DJANGO_SETTINGS_MODULE="lethe.settings",
        LETHE_ENV="test",
        LETHE_DATA_DIR=str(settings.CONFIG.data_dir),
        LETHE_DATABASE_URL=database_url("default"),
        LETHE_KEYSTORE_URL=database_url("keystore"),
    )
    return env


def assert_gapless_verified_and_in_order(per_writer: int) -> None:
    total = EARLIER + WRITERS * per_writer
    seqs = list(AuditEvent.objects.order_by("seq").values_list("seq", flat=True))
    assert seqs == list(range(1, total + 1))
    assert ChainHead.objects.get().seq == total
    report = verify()
    assert report.ok, report.problem
    assert report.events == total
    for n in range(WRITERS):
        details = AuditEvent.objects.filter(actor=f"user:w{n}").order_by("seq")
        order = [d["i"] for d in details.values_list("detail", flat=True)]
        assert order == list(range(per_writer)), f"writer {n}'s events are out of order"


def test_eight_processes_appending_at_once_leave_a_gapless_chain_that_verifies(tmp_path):
    if connections["default"].vendor != "postgresql":
        pytest.skip(
            "separate writer processes need a database server; on SQLite the threaded "
            "test below covers concurrent appends"
        )
    per_writer = 1000
    append_earlier_events()
    # Nothing of this process may hold the chain head's lock while the writers run.
    assert not connections["default"].in_atomic_block
    barrier = tmp_path / "barrier"
    barrier.mkdir()
    env = worker_env()
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", WORKER, str(n), str(per_writer), str(barrier)],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for n in range(WRITERS)
    ]
    try:
        deadline = time.monotonic() + TIMEOUT
        while len(list(barrier.glob("ready-*"))) < WRITERS:
            dead = [p for p in procs if p.poll() is not None]
            assert not dead, dead[0].communicate()[1]
            assert time.monotonic() < deadline, "the writers did not all start"
            time.sleep(0.01)
        (barrier / "go").touch()
        results = [p.communicate(timeout=TIMEOUT) for p in procs]
    finally:
        for p in procs:
            if p.poll() is None:
                p.kill()
                p.communicate()
    for n, (p, (_, stderr)) in enumerate(zip(procs, results, strict=True)):
        assert p.returncode == 0, f"writer {n} failed: {stderr}"
    assert_gapless_verified_and_in_order(per_writer)


def test_eight_threads_appending_at_once_leave_a_gapless_chain_that_verifies():
    if connections["default"].vendor != "sqlite":
        pytest.skip("on PostgreSQL the multi-process test above covers concurrent appends")
    per_writer = 1000
    append_earlier_events()
    start = threading.Barrier(WRITERS, timeout=30)
    errors: list[BaseException] = []

    def write(n: int) -> None:
        try:
            actor = Actor("user", f"w{n}", frozenset())
            start.wait()
            for i in range(per_writer):
                with transaction.atomic():
                    log.record(actor, Action.READ, detail={"w": n, "i": i})
        except BaseException as exc:
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=write, args=(n,)) for n in range(WRITERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(TIMEOUT)
    assert not any(t.is_alive() for t in threads), "a writer thread never finished"
    assert not errors, errors[0]
    assert_gapless_verified_and_in_order(per_writer)
