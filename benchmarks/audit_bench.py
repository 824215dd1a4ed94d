#!/usr/bin/env python
"""Benchmark the audit log: append rates and `verify`, on SQLite and PostgreSQL.

Appends N events through `lethe.audit.log.record`, one per transaction and in batches of
1,000 per transaction, with and without the automatic checkpoints, next to raw INSERTs of
the same rows (the database floor). Then fills the chain up to 1,000,000 valid events and
times `lethe.audit.verify.verify` against plain SHA-256 over the same canonical bytes, and
against reading the rows alone. Each database runs in its own subprocess of this script
(Django settings are per process), in a throwaway data dir; PostgreSQL databases are
created for the run and dropped at the end. Figures: docs/performance.md, "Audit log".

    .venv/bin/python benchmarks/audit_bench.py [--db sqlite|postgres|both] [--events N]
        [--verify-events 1000000] [--repeat 2] [--profile]
"""

from __future__ import annotations

import argparse
import cProfile
import dataclasses
import datetime
import hashlib
import io
import json
import os
import platform
import pstats
import random
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

# Targets from the issue (SQLite).
APPEND_ONE_TARGET = 2_000  # events/s, one event per transaction
APPEND_BATCH_TARGET = 20_000  # events/s, batched
VERIFY_TARGET_RATE = 200_000  # events/s: 1,000,000 events in under 5 s
VERIFY_TARGET_RAW_RATIO = 3  # verify within 3x of raw SHA-256 over the same bytes

CHECKPOINT_EVERY = 10_000  # Lethe's default LETHE_AUDIT_CHECKPOINT_EVERY
NO_CHECKPOINTS = 10**12  # "every" so large that no checkpoint falls due
BUILD_CHUNK = 10_000  # events per transaction (and per checkpoint) when filling the chain

FLOOR_TABLE = "bench_plain_event"  # a copy of audit_auditevent for the raw INSERT floor
PURPOSE = "customer_relationship"
CATEGORIES = ("user.name", "user.contact.email", "user.contact.phone_number")
PG_URL = "postgres://postgres@127.0.0.1:5432"


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", choices=("sqlite", "postgres", "both"), default="sqlite")
    parser.add_argument(
        "--events", type=int, default=20_000, help="events per append section (default 20000)"
    )
    parser.add_argument(
        "--batch", type=int, default=1000, help="events per transaction when batched (1000)"
    )
    parser.add_argument(
        "--verify-events",
        type=int,
        default=1_000_000,
        help="events in the chain that verify reads (default 1000000)",
    )
    parser.add_argument(
        "--repeat",
        type=int,
        default=2,
        help="timed passes of each verify-phase measurement; the fastest counts (default 2)",
    )
    parser.add_argument(
        "--pg-url",
        default=os.environ.get("LETHE_BENCH_PG", PG_URL),
        help=f"PostgreSQL server where the bench databases are created (default {PG_URL})",
    )
    parser.add_argument("--seed", type=int, default=2026, help="seed of the synthetic events")
    parser.add_argument(
        "--profile",
        action="store_true",
        help="after the timed runs, run the append and verify sections once more under "
        "cProfile and print where the time goes",
    )
    # Internal: the per-database subprocess.
    parser.add_argument("--worker", choices=("sqlite", "postgres"), help=argparse.SUPPRESS)
    parser.add_argument("--result-file", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    for name in ("events", "batch", "verify_events", "repeat"):
        if getattr(args, name) < 1:
            parser.error(f"--{name.replace('_', '-')} must be at least 1")
    return args


def step(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


# --- measurement helpers ---------------------------------------------------------------


@dataclass
class Timing:
    """Wall and CPU seconds of one section."""

    wall: float = 0.0
    cpu: float = 0.0


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


def best(timings: list[Timing]) -> Timing:
    return min(timings, key=lambda t: t.wall)


def profiled(function, title: str, limit: int = 25) -> str:
    """Run `function` under cProfile; return the top functions by own and cumulative time."""
    profile = cProfile.Profile()
    profile.runcall(function)
    text = []
    for sort in ("tottime", "cumulative"):
        out = io.StringIO()
        pstats.Stats(profile, stream=out).strip_dirs().sort_stats(sort).print_stats(limit)
        text.append(f"=== cProfile: {title}, by {sort} ===")
        text.append(out.getvalue().split("\n", 4)[-1].rstrip())
    return "\n".join(text)


# --- the worker: one database, one process ---------------------------------------------


def setup_django() -> None:
    """Set up Django on the environment the parent prepared; keys and schema."""
    import django

    django.setup()

    from django.conf import settings
    from django.core.management import call_command

    from lethe.vault import keyadmin

    keyadmin.initialise(settings.CONFIG)
    for alias in ("default", "keystore"):
        call_command("migrate", database=alias, verbosity=0, interactive=False)


def set_checkpoint_every(every: int) -> None:
    """Change LETHE_AUDIT_CHECKPOINT_EVERY for the rest of this process."""
    from django.conf import settings

    settings.CONFIG = dataclasses.replace(settings.CONFIG, audit_checkpoint_every=every)


class Events:
    """Synthetic READ events as `log.record` would write them, for one actor."""

    def __init__(self, seed: int):
        from lethe.vault.policy import Actor, Role

        self.rng = random.Random(seed)  # noqa: S311 - reproducible test data, not secrets
        self.actor = Actor(
            "user",
            "42",
            frozenset({Role.SALES}),
            request_id=uuid.UUID(int=self.rng.getrandbits(128), version=4).hex,
            client_addr="192.0.2.17",
        )
        self.at = datetime.datetime.now(datetime.UTC)

    def subjects(self, count: int) -> list[uuid.UUID]:
        return [uuid.UUID(int=self.rng.getrandbits(128), version=4) for _ in range(count)]

    def values(self, seq: int, subject: uuid.UUID, i: int) -> tuple:
        """The event's chain.FIELDS values, exactly as log.record builds them."""
        self.at += datetime.timedelta(microseconds=self.rng.randrange(1, 2000))
        return (
            seq,
            self.at,
            self.actor.label,
            "read",
            "allowed",
            [str(subject)],
            "",
            "",
            sorted(CATEGORIES),
            [],
            PURPOSE,
            "",
            self.actor.request_id,
            self.actor.client_addr,
            {"i": i},
        )


class RowWriter:
    """Prepared INSERTs of chained events into an audit_auditevent-shaped table."""

    def __init__(self, table: str):
        from django.db import connection

        from lethe.audit import chain
        from lethe.audit.models import AuditEvent

        self.connection = connection
        self.fields = [AuditEvent._meta.get_field(n) for n in (*chain.FIELDS, "prev_hash", "hash")]
        quote = connection.ops.quote_name
        self.sql = (
            f"INSERT INTO {quote(table)} ({', '.join(quote(f.column) for f in self.fields)}) "
            f"VALUES ({', '.join(['%s'] * len(self.fields))})"
        )

    def chained(self, values: tuple, prev_hash: bytes) -> tuple[list, bytes]:
        """Return the prepared parameters of one event linked to `prev_hash`, and its hash."""
        from lethe.audit import chain

        event_hash = chain.link(prev_hash, chain.canonical(values))
        row = (*values, prev_hash, event_hash)
        return [
            f.get_db_prep_save(v, self.connection) for f, v in zip(self.fields, row, strict=True)
        ], event_hash


def make_floor_table() -> None:
    """Create a copy of audit_auditevent (columns, keys, indexes; no triggers) to INSERT into."""
    from django.db import connection

    table = FLOOR_TABLE
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(f"CREATE TABLE {table} (LIKE audit_auditevent INCLUDING ALL)")
        else:
            cursor.execute(
                "SELECT type, name, sql FROM sqlite_master "
                "WHERE tbl_name = 'audit_auditevent' AND type IN ('table', 'index') "
                "AND sql IS NOT NULL ORDER BY type = 'index'"
            )
            for kind, name, sql in cursor.fetchall():
                if kind == "index":
                    sql = sql.replace(f'"{name}"', f'"bench_{name}"', 1)
                cursor.execute(sql.replace('"audit_auditevent"', f'"{table}"'))


def floor_inserts(events: Events, count: int, batch: int | None) -> Timing:
    """Raw cursor INSERTs of `count` prepared rows into the copy: one per tx, or executemany."""
    from django.db import connection, transaction

    from lethe.audit import chain

    writer = RowWriter(FLOOR_TABLE)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT COALESCE(MAX(seq), 0) FROM {FLOOR_TABLE}")
        start = cursor.fetchone()[0]
    rows, prev = [], chain.GENESIS
    for i, subject in enumerate(events.subjects(count)):
        row, prev = writer.chained(events.values(start + i + 1, subject, i), prev)
        rows.append(row)
    timing = Timing()
    with connection.cursor() as cursor, Clock(timing):
        if batch is None:
            for row in rows:
                with transaction.atomic():
                    cursor.execute(writer.sql, row)
        else:
            for first in range(0, count, batch):
                with transaction.atomic():
                    cursor.executemany(writer.sql, rows[first : first + batch])
    return timing


def append(events: Events, count: int, batch: int | None) -> Timing:
    """`count` events through log.record: one per transaction, or `batch` per transaction."""
    from django.db import transaction

    from lethe.audit import log
    from lethe.audit.models import Action

    subjects = events.subjects(count)
    actor = events.actor
    timing = Timing()
    with Clock(timing):
        if batch is None:
            for i, subject in enumerate(subjects):
                with transaction.atomic():
                    log.record(
                        actor,
                        Action.READ,
                        subjects=[subject],
                        categories=CATEGORIES,
                        purpose=PURPOSE,
                        detail={"i": i},
                    )
        else:
            for first in range(0, count, batch):
                with transaction.atomic():
                    for i in range(first, min(first + batch, count)):
                        log.record(
                            actor,
                            Action.READ,
                            subjects=[subjects[i]],
                            categories=CATEGORIES,
                            purpose=PURPOSE,
                            detail={"i": i},
                        )
    return timing


def append_many(events: Events, count: int, batch: int) -> Timing:
    """`count` events through log.record_many, `batch` events per transaction and call."""
    from django.db import transaction

    from lethe.audit import log
    from lethe.audit.models import Action

    subjects = events.subjects(count)
    actor = events.actor
    timing = Timing()
    with Clock(timing):
        for first in range(0, count, batch):
            entries = [
                log.Entry(
                    actor,
                    Action.READ,
                    subjects=[subjects[i]],
                    categories=CATEGORIES,
                    purpose=PURPOSE,
                    detail={"i": i},
                )
                for i in range(first, min(first + batch, count))
            ]
            with transaction.atomic():
                log.record_many(entries)
    return timing


def run_appends(args, events: Events, results: dict) -> None:
    """The six append lines, `--repeat` rounds of them in turn; the fastest of each counts."""
    from lethe.audit import checkpoints
    from lethe.audit.models import Checkpoint

    n, batch, db = args.events, args.batch, results["db"]
    every = f"checkpoints/{CHECKPOINT_EVERY:,}"
    sections = [
        (
            "floor_one",
            "raw INSERT, 1 per transaction",
            None,
            lambda: floor_inserts(events, n, None),
        ),
        ("one", "log.record, 1 per transaction", None, lambda: append(events, n, None)),
        ("one_ckpt", f"log.record, 1 per tx, {every}", every, lambda: append(events, n, None)),
        (
            "floor_batch",
            f"raw executemany, {batch:,} per tx",
            None,
            lambda: floor_inserts(events, n, batch),
        ),
        ("batch", f"log.record, {batch:,} per transaction", None, lambda: append(events, n, batch)),
        (
            "batch_ckpt",
            f"log.record, {batch:,} per tx, {every}",
            every,
            lambda: append(events, n, batch),
        ),
        (
            "many",
            f"log.record_many, {batch:,} per call",
            None,
            lambda: append_many(events, n, batch),
        ),
        (
            "many_ckpt",
            f"log.record_many, {batch:,} per call, {every}",
            every,
            lambda: append_many(events, n, batch),
        ),
    ]
    make_floor_table()
    runs: dict[str, list[tuple[Timing, int]]] = {key: [] for key, *_ in sections}
    for repeat in range(args.repeat):
        for key, label, with_checkpoints, function in sections:
            step(f"{db}: {label} (round {repeat + 1} of {args.repeat})")
            if with_checkpoints:
                set_checkpoint_every(CHECKPOINT_EVERY)
                checkpoints.create()  # the next one falls due after CHECKPOINT_EVERY events
            else:
                set_checkpoint_every(NO_CHECKPOINTS)
            before = Checkpoint.objects.count()
            timing = function()
            runs[key].append((timing, Checkpoint.objects.count() - before))
    for key, label, *_ in sections:
        timing, made = min(runs[key], key=lambda run: run[0].wall)
        results["append"].append(
            {
                "key": key,
                "label": label,
                "wall": timing.wall,
                "cpu": timing.cpu,
                "walls": [t.wall for t, _ in runs[key]],
                "checkpoints": made,
            }
        )
    if args.profile:
        set_checkpoint_every(NO_CHECKPOINTS)
        step(f"{db}: append sections under cProfile")
        results["profiles"].append(
            profiled(lambda: append(events, n, None), f"{db} log.record, 1 per tx")
        )
        results["profiles"].append(
            profiled(lambda: append(events, n, batch), f"{db} log.record, {batch:,} per tx")
        )


def build_chain(events: Events, target: int) -> list[float]:
    """Append valid chained events directly (executemany) until the chain holds `target`.

    Each chunk of BUILD_CHUNK events is one transaction that also moves the chain head,
    followed by a checkpoint, as the automatic checkpoints would have made. Returns the
    wall seconds of each checkpoints.create().
    """
    from django.db import connection, transaction

    from lethe.audit import checkpoints
    from lethe.audit.models import ChainHead

    writer = RowWriter("audit_auditevent")
    head = ChainHead.objects.get(pk=1)
    seq, prev = head.seq, bytes(head.hash)
    checkpoint_walls = []
    with connection.cursor() as cursor:
        while seq < target:
            count = min(BUILD_CHUNK, target - seq)
            rows = []
            for subject in events.subjects(count):
                seq += 1
                row, prev = writer.chained(events.values(seq, subject, seq), prev)
                rows.append(row)
            with transaction.atomic():
                cursor.executemany(writer.sql, rows)
                ChainHead.objects.filter(pk=1).update(seq=seq, hash=prev)
            wall0 = time.perf_counter()
            checkpoints.create()
            checkpoint_walls.append(time.perf_counter() - wall0)
            if seq % 100_000 < BUILD_CHUNK:
                step(f"  chain at {seq:,} events")
    return checkpoint_walls


def verify_rows():
    """The query verify runs, as an iterator of value tuples."""
    from lethe.audit import chain, verify
    from lethe.audit.models import AuditEvent

    return (
        AuditEvent.objects.order_by("seq")
        .values_list(*chain.FIELDS, "prev_hash", "hash")
        .iterator(chunk_size=verify.CHUNK)
    )


def components(expected_head: bytes) -> tuple[list[bytes], dict[str, float]]:
    """One untimed pass over the rows: the canonical bytes, and CPU seconds per step of verify.

    Steps, as verify does them per event: chain.canonical of the fields, chain.link (SHA-256
    of prev_hash || bytes) and its comparison, Frontier.add (the Merkle leaf and nodes).
    """
    from lethe.audit import chain, verify
    from lethe.audit.checkpoints import Frontier

    width = len(chain.FIELDS)
    canonical, spent = [], {"canonical": 0.0, "link": 0.0, "frontier": 0.0}
    frontier, prev = Frontier(), chain.GENESIS
    chunk = []

    def consume():
        nonlocal prev
        cpu0 = time.process_time()
        encoded = [chain.canonical(row[:width]) for row in chunk]
        cpu1 = time.process_time()
        for row, data in zip(chunk, encoded, strict=True):
            stored = bytes(row[width + 1])
            if chain.link(prev, data) != stored:
                raise SystemExit(f"the built chain is broken at #{row[0]}")
            prev = stored
        cpu2 = time.process_time()
        for row in chunk:
            frontier.add(bytes(row[width + 1]))
        cpu3 = time.process_time()
        spent["canonical"] += cpu1 - cpu0
        spent["link"] += cpu2 - cpu1
        spent["frontier"] += cpu3 - cpu2
        canonical.extend(encoded)
        chunk.clear()

    for row in verify_rows():
        chunk.append(row)
        if len(chunk) == verify.CHUNK:
            consume()
    consume()
    if prev != expected_head:
        raise SystemExit("the built chain does not end at the chain head")
    return canonical, spent


def raw_chain(canonical: list[bytes], expected_head: bytes) -> Timing:
    """SHA-256(prev || bytes) per event over the pre-computed canonical bytes, in memory."""
    sha256 = hashlib.sha256
    prev = bytes(32)
    timing = Timing()
    with Clock(timing):
        for data in canonical:
            prev = sha256(prev + data).digest()
    if prev != expected_head:
        raise SystemExit("raw hashing did not reproduce the chain head")
    return timing


def raw_one_call(blob: bytes) -> Timing:
    timing = Timing()
    with Clock(timing):
        hashlib.sha256(blob).digest()
    return timing


def read_orm(total: int) -> Timing:
    timing = Timing()
    n = 0
    with Clock(timing):
        for _row in verify_rows():
            n += 1
    assert n == total, (n, total)
    return timing


def read_cursor(total: int) -> Timing:
    """The same SELECT through a raw (server-side on PostgreSQL) cursor.

    No Django converters: JSON columns stay text on SQLite. The driver still makes its own
    types (datetimes, on SQLite through the converter Django registers; jsonb on PostgreSQL).
    """
    from django.db import connection

    from lethe.audit import chain, verify
    from lethe.audit.models import AuditEvent

    quote = connection.ops.quote_name
    columns = [AuditEvent._meta.get_field(n).column for n in (*chain.FIELDS, "prev_hash", "hash")]
    sql = f"SELECT {', '.join(map(quote, columns))} FROM audit_auditevent ORDER BY seq"
    timing = Timing()
    n = 0
    with Clock(timing):
        cursor = connection.chunked_cursor()
        try:
            cursor.execute(sql)
            while rows := cursor.fetchmany(verify.CHUNK):
                n += len(rows)
        finally:
            cursor.close()
    assert n == total, (n, total)
    return timing


def run_verify(args, events: Events, results: dict) -> None:
    from lethe.audit import verify
    from lethe.audit.models import ChainHead

    db = results["db"]
    step(f"{db}: filling the chain to {args.verify_events:,} events (untimed)")
    walls = build_chain(events, args.verify_events)
    head_seq, head_hash = ChainHead.objects.values_list("seq", "hash").get(pk=1)
    head_hash = bytes(head_hash)
    step(f"{db}: one pass for canonical bytes and verify's steps (CPU per step)")
    canonical, spent = components(head_hash)
    blob = b"".join(canonical)
    out = {
        "events": head_seq,
        "bytes": len(blob),
        "checkpoint_create_ms": 1e3 * sum(walls) / len(walls) if walls else None,
        "steps_cpu": spent,
    }
    passes: dict[str, list[Timing]] = {
        k: [] for k in ("raw", "one_call", "orm", "cursor", "verify")
    }
    for repeat in range(args.repeat):
        step(f"{db}: verify-phase pass {repeat + 1} of {args.repeat}")
        passes["raw"].append(raw_chain(canonical, head_hash))
        passes["one_call"].append(raw_one_call(blob))
        passes["cursor"].append(read_cursor(head_seq))
        passes["orm"].append(read_orm(head_seq))
        timing = Timing()
        with Clock(timing):
            report = verify.verify(record=False)
        if not report.ok or report.events != head_seq:
            raise SystemExit(f"verify failed: {report}")
        out["checkpoints"] = report.checkpoints
        passes["verify"].append(timing)
    for key, timings in passes.items():
        chosen = best(timings)
        out[key] = {"wall": chosen.wall, "cpu": chosen.cpu, "walls": [t.wall for t in timings]}
    results["verify"] = out
    del canonical, blob
    if args.profile:
        step(f"{db}: verify under cProfile")
        results["profiles"].append(
            profiled(lambda: verify.verify(record=False), f"{db} verify({head_seq:,} events)")
        )


def worker(args) -> int:
    results = {"db": args.worker, "append": [], "verify": None, "profiles": []}
    setup_django()

    from django.db import connection, connections

    if connection.vendor == "postgresql":
        import psycopg

        with connection.cursor() as cursor:
            cursor.execute("SHOW server_version")
            version = cursor.fetchone()[0]
        results["server"] = f"PostgreSQL {version} (psycopg {psycopg.__version__})"
    else:
        results["server"] = f"SQLite {sqlite3.sqlite_version}"
    events = Events(args.seed)
    run_appends(args, events, results)
    run_verify(args, events, results)
    connections.close_all()
    Path(args.result_file).write_text(json.dumps(results))
    return 0


# --- the parent: databases, subprocesses, report ---------------------------------------


def worker_env(data_dir: Path, database_urls: tuple[str, str] | None) -> dict[str, str]:
    """A clean environment: no LETHE_* of the caller's, a fresh data dir, test settings."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("LETHE_")}
    env.update(
        LETHE_ENV="test",
        LETHE_DATA_DIR=str(data_dir),
        DJANGO_SETTINGS_MODULE="lethe.settings",
    )
    if database_urls:
        env["LETHE_DATABASE_URL"], env["LETHE_KEYSTORE_URL"] = database_urls
    return env


class PostgresDatabases:
    """Two fresh databases on the server, created on entry and dropped on exit."""

    def __init__(self, server_url: str):
        self.server_url = server_url.rstrip("/")
        suffix = os.getpid()
        self.names = (f"lethe_bench_{suffix}", f"lethe_bench_keys_{suffix}")

    def _admin(self):
        import psycopg

        return psycopg.connect(f"{self.server_url}/postgres", autocommit=True, connect_timeout=5)

    def __enter__(self) -> tuple[str, str]:
        from psycopg import sql

        with self._admin() as admin:
            for name in self.names:
                admin.execute(sql.SQL("DROP DATABASE IF EXISTS {}").format(sql.Identifier(name)))
                admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        return tuple(f"{self.server_url}/{name}" for name in self.names)

    def __exit__(self, *exc):
        from psycopg import sql

        with self._admin() as admin:
            for name in self.names:
                admin.execute(
                    sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
                )


def run_worker(args, db: str, tmp: Path, database_urls=None) -> dict:
    result_file = tmp / f"{db}.json"
    command = [
        sys.executable,
        str(Path(__file__).resolve()),
        "--worker",
        db,
        "--result-file",
        str(result_file),
        "--events",
        str(args.events),
        "--batch",
        str(args.batch),
        "--verify-events",
        str(args.verify_events),
        "--repeat",
        str(args.repeat),
        "--seed",
        str(args.seed),
    ] + (["--profile"] if args.profile else [])
    env = worker_env(tmp / f"data-{db}", database_urls)
    subprocess.run(command, env=env, check=True)  # noqa: S603 - this script, by path
    return json.loads(result_file.read_text())


def code_fingerprint() -> str:
    """SHA-256 prefixes of the audit modules measured, to tell runs of different code apart."""
    import importlib.util

    (package,) = importlib.util.find_spec("lethe.audit").submodule_search_locations
    names = ("log", "chain", "verify", "checkpoints", "merkle")
    return ", ".join(
        f"{name}.py {hashlib.sha256(Path(package, f'{name}.py').read_bytes()).hexdigest()[:8]}"
        for name in names
    )


def machine_facts(results: list[dict], load_start: tuple, code: str) -> list[tuple[str, str]]:
    import django

    facts = [
        ("date", datetime.date.today().isoformat()),
        ("python", f"{platform.python_implementation()} {platform.python_version()}"),
        ("django", django.get_version()),
    ]
    facts += [(r["db"], r["server"]) for r in results]
    facts += [
        ("cpus", str(os.cpu_count())),
        (
            "load average",
            " ".join(f"{x:.2f}" for x in load_start)
            + " at the start, "
            + " ".join(f"{x:.2f}" for x in os.getloadavg())
            + " at the end (1, 5, 15 min)",
        ),
        ("platform", platform.platform()),
        ("audit code", code),
    ]
    if code_fingerprint() != code:
        facts.append(("WARNING", "the audit code changed during the run: figures are mixed"))
    return facts


def rule(title: str = "") -> None:
    print(f"--- {title} ".ljust(86, "-") if title else "-" * 86)


def verdict(ok: bool) -> str:
    return "MET" if ok else "MISSED"


def report_append(args, result: dict) -> bool:
    n, db = args.events, result["db"]
    rows = {row["key"]: row for row in result["append"]}
    rule(f"{db}: append, {n:,} events per line, best of {args.repeat}")
    print(
        f"{'':<44}{'wall s':>8}{'CPU s':>8}{'events/s':>10}{'us/event':>10}{'x floor':>8}"
        f"{'slowest':>8}"
    )
    ok = True
    for key, floor in (
        ("floor_one", "floor_one"),
        ("one", "floor_one"),
        ("one_ckpt", "floor_one"),
        ("floor_batch", "floor_batch"),
        ("batch", "floor_batch"),
        ("batch_ckpt", "floor_batch"),
        ("many", "floor_batch"),
        ("many_ckpt", "floor_batch"),
    ):
        row = rows[key]
        ratio = "" if key == floor else f"{row['wall'] / rows[floor]['wall']:.1f}"
        print(
            f"{row['label']:<44}{row['wall']:>8.2f}{row['cpu']:>8.2f}{n / row['wall']:>10,.0f}"
            f"{1e6 * row['wall'] / n:>10.0f}{ratio:>8}{max(row['walls']):>8.2f}"
        )
    made = sum(rows[k]["checkpoints"] for k in ("one_ckpt", "batch_ckpt", "many_ckpt"))
    print(
        f"(checkpoints are made on commit every {CHECKPOINT_EVERY:,} events: {made} in the "
        "fastest runs of the lines that say so; the other lines run with checkpoints off; "
        "'slowest' is the slowest run's wall s)"
    )
    if db == "sqlite":
        one = n / rows["one"]["wall"]
        # Batched appends are what record_many is for.
        batch = n / rows["many"]["wall"]
        one_ok, batch_ok = one >= APPEND_ONE_TARGET, batch >= APPEND_BATCH_TARGET
        print(
            f"targets: 1 per transaction >= {APPEND_ONE_TARGET:,}/s: {verdict(one_ok)} "
            f"({one:,.0f}/s); batched >= {APPEND_BATCH_TARGET:,}/s: {verdict(batch_ok)} "
            f"({batch:,.0f}/s)"
        )
        ok = one_ok and batch_ok
    return ok


def report_verify(args, result: dict) -> bool:
    v, db = result["verify"], result["db"]
    n = v["events"]
    rule(
        f"{db}: verify {n:,} events ({v['bytes'] / 2**20:.0f} MiB canonical), best of {args.repeat}"
    )
    print(f"{'':<44}{'wall s':>8}{'CPU s':>8}{'events/s':>11}{'x raw':>8}{'slowest':>8}")
    raw = v["raw"]["wall"]
    for key, label in (
        ("raw", "raw SHA-256(prev || bytes) per event"),
        ("one_call", "SHA-256 in one call over all bytes"),
        ("cursor", "read rows, raw cursor (no Django converters)"),
        ("orm", "read rows, values_list as verify does"),
        ("verify", "verify(record=False)"),
    ):
        t = v[key]
        print(
            f"{label:<44}{t['wall']:>8.2f}{t['cpu']:>8.2f}{n / t['wall']:>11,.0f}"
            f"{t['wall'] / raw:>8.1f}{max(t['walls']):>8.2f}"
        )
    steps = v["steps_cpu"]
    print(
        "verify's steps, CPU s over all events: "
        + ", ".join(f"{k} {s:.2f}" for k, s in steps.items())
        + f"; reading (values_list) {v['orm']['cpu']:.2f}"
    )
    if v["checkpoint_create_ms"] is not None:
        print(
            f"{v['checkpoints']} checkpoints verified; checkpoints.create() over "
            f"{BUILD_CHUNK:,} events: {v['checkpoint_create_ms']:.0f} ms (mean)"
        )
    seconds = v["verify"]["wall"]
    budget = n / VERIFY_TARGET_RATE
    ratio = seconds / raw
    time_ok, ratio_ok = seconds < budget, ratio <= VERIFY_TARGET_RAW_RATIO
    print(
        f"targets: under {budget:g} s for {n:,} events: {verdict(time_ok)} ({seconds:.2f} s); "
        f"within {VERIFY_TARGET_RAW_RATIO}x raw hashing: {verdict(ratio_ok)} ({ratio:.1f}x)"
    )
    return time_ok and ratio_ok


def report(args, results: list[dict], load_start: tuple, code: str) -> None:
    rule("Lethe audit log benchmark")
    for key, value in machine_facts(results, load_start, code):
        print(f"{key:<14}{value}")
    print(
        f"{'workload':<14}{args.events:,} READ events per append line (1 subject, 3 "
        f"categories, detail {{'i': n}}), batches of {args.batch:,}; verify over "
        f"{args.verify_events:,}"
    )
    for result in results:
        report_append(args, result)
        report_verify(args, result)
    rule()
    for result in results:
        for text in result["profiles"]:
            print()
            print(text)


def main(argv=None) -> int:
    args = parse_args(argv)
    if args.worker:
        return worker(args)
    databases = ["sqlite", "postgres"] if args.db == "both" else [args.db]
    load_start, code = os.getloadavg(), code_fingerprint()
    tmp = Path(tempfile.mkdtemp(prefix="lethe-audit-bench-"))
    results = []
    try:
        for db in databases:
            if db == "postgres":
                with PostgresDatabases(args.pg_url) as urls:
                    results.append(run_worker(args, db, tmp, urls))
            else:
                results.append(run_worker(args, db, tmp))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    report(args, results, load_start, code)
    return 0


if __name__ == "__main__":
    sys.exit(main())
