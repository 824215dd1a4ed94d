#!/usr/bin/env python
"""Benchmark data-subject requests: locate, access export, portability export, erasure.

Builds N synthetic contacts (through the vault) and M activities once per database
(locate_bench's generator: activity rows in bulk, participants, mentions, deals and
extra audit events), gives each person measured ten activities with sealed text
(through `create_activities`), then, for each of S people, as a DPO inside the case of
a request of their own:

- locate by e-mail (`lethe.dsr.locate.locate`: the blind index, then every holder);
- the `access` handler (Art. 15 report: HTML and PDF, sealed into the export store);
- the `portability` handler (Art. 20 archive);
- the `erasure` handler (the whole execution, with its certificate).

Each is timed call by call (p50, p95) against a baseline in the same run, on the same
database: plaintext copies of the people and activity rows, read with the driver
(sqlite3 or psycopg) by the same person's e-mail or id, and deleted for erasure.

    .venv/bin/python benchmarks/dsr_bench.py [--db sqlite|postgresql|both]
        [--contacts N] [--activities M] [--subjects S] [--audit A]
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import random
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

from harness import Clock, Timing, machine_facts, percentile, rule, setup_django

PG_URL = "postgres://postgres@127.0.0.1:5432"
PG_DATABASES = ("bench_lethe", "bench_lethe_keystore")
TARGETS_MS = {"locate": 50.0, "access": 1000.0, "portability": 1000.0, "erasure": 1000.0}
TEXTS_PER_PERSON = 10
BODY = "Called about the renewal; they asked for the offer again. Follow up in May."


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", choices=("sqlite", "postgresql", "both"), default="sqlite")
    parser.add_argument("--contacts", type=int, default=100_000)
    parser.add_argument("--activities", type=int, default=1_000_000)
    parser.add_argument("--subjects", type=int, default=100, help="people measured")
    parser.add_argument("--audit", type=int, default=100_000, help="extra audit events")
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument(
        "--pg-url",
        default=os.environ.get("LETHE_BENCH_PG", PG_URL),
        help=f"PostgreSQL server for the bench databases {PG_DATABASES} (default {PG_URL})",
    )
    parser.add_argument("--worker", choices=("sqlite", "postgresql"), help=argparse.SUPPRESS)
    parser.add_argument("--data-dir", help=argparse.SUPPRESS)
    return parser.parse_args(argv)


def step(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


# --- the data set ------------------------------------------------------------------------


def add_texts(contacts: list, rng: random.Random) -> None:
    """Ten activities with sealed text for each person measured (what an export opens)."""
    import datetime

    from django.utils import timezone

    from lethe.activities.actions import create_activities
    from lethe.vault.policy import Actor, Purpose

    now, items = timezone.now(), []
    for contact in contacts:
        for _ in range(TEXTS_PER_PERSON):
            at = now - datetime.timedelta(minutes=rng.randrange(500_000))
            items.append({"kind": "note", "occurred_at": at, "contact": contact, "body": BODY})
    actor = Actor.system("bench")
    for start in range(0, len(items), 500):
        create_activities(actor, Purpose.CUSTOMER_RELATIONSHIP, items[start : start + 500])


def plaintext_copy(persons: list[dict], contacts: list) -> None:
    """The baseline's tables: the people and every activity row, in plaintext, indexed."""
    from django.db import connection, transaction

    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "CREATE TABLE bench_person (id integer PRIMARY KEY, first_name text, "
            "last_name text, email text)"
        )
        cursor.executemany(
            "INSERT INTO bench_person VALUES (%s, %s, %s, %s)",
            [
                (c.pk, p["first_name"], p["last_name"], p["email"][0])
                for p, c in zip(persons, contacts, strict=True)
            ],
        )
        cursor.execute("CREATE INDEX bench_person_email ON bench_person (email)")
        cursor.execute(
            "CREATE TABLE bench_activity AS SELECT id, contact_id AS person_id, kind, "
            "occurred_at, %s AS body FROM activities_activity",
            [BODY],
        )
        cursor.execute("CREATE INDEX bench_activity_person ON bench_activity (person_id)")
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")


class Baseline:
    """The same person's rows through the bare driver (sqlite3 or psycopg), no Django."""

    def __init__(self):
        from django.db import connection

        connection.ensure_connection()
        self.raw = connection.connection
        self.mark = "?" if connection.vendor == "sqlite" else "%s"

    def _sql(self, sql: str) -> str:
        return sql.replace("%s", self.mark)

    def locate(self, email: str) -> list:
        cursor = self.raw.cursor()
        cursor.execute(self._sql("SELECT id FROM bench_person WHERE email = %s"), (email,))
        return cursor.fetchall()

    def export(self, email: str) -> bytes:
        cursor = self.raw.cursor()
        cursor.execute(self._sql("SELECT * FROM bench_person WHERE email = %s"), (email,))
        person = cursor.fetchone()
        cursor.execute(
            self._sql(
                "SELECT id, kind, occurred_at, body FROM bench_activity WHERE person_id = %s "
                "ORDER BY occurred_at"
            ),
            (person[0],),
        )
        rows = cursor.fetchall()
        return json.dumps({"person": person, "activities": rows}, default=str).encode()

    def erase(self, email: str) -> None:
        cursor = self.raw.cursor()
        cursor.execute(self._sql("SELECT id FROM bench_person WHERE email = %s"), (email,))
        (person,) = cursor.fetchone()
        cursor.execute(self._sql("DELETE FROM bench_activity WHERE person_id = %s"), (person,))
        cursor.execute(self._sql("DELETE FROM bench_person WHERE id = %s"), (person,))
        self.raw.commit()


# --- the measurements --------------------------------------------------------------------


class Parts:
    """Wall time spent in named functions during the timed calls (where the time goes)."""

    def __init__(self):
        self.seconds: dict[str, dict[str, float]] = defaultdict(lambda: defaultdict(float))
        self.current = ""

    def wrap(self, name: str, function):
        def timed(*args, **kwargs):
            start = time.perf_counter()
            try:
                return function(*args, **kwargs)
            finally:
                self.seconds[self.current][name] += time.perf_counter() - start

        return timed


def instrument(parts: Parts) -> None:
    """Time the pieces of the handlers: gathering, rendering, the PDF, storing, erasure steps."""
    from lethe.audit import checkpoints, proofs
    from lethe.dsr import collect, erasure, portability, report, store

    collect.gather = parts.wrap("collect.gather", collect.gather)
    for name in ("_people", "_activities", "_history", "_audit"):
        setattr(collect, name, parts.wrap(f"  of which collect.{name}", getattr(collect, name)))
    checkpoints.create = parts.wrap("  of which checkpoints.create", checkpoints.create)
    proofs.inclusion = parts.wrap("  of which proofs.inclusion", proofs.inclusion)
    report.render_html = parts.wrap("report.render_html", report.render_html)
    report.render_pdf = parts.wrap("report.render_pdf (WeasyPrint)", report.render_pdf)
    portability.archive = parts.wrap("portability.archive", portability.archive)
    store.save = parts.wrap("store.save", store.save)
    for steps in (erasure.SUBJECT_STEPS, erasure.REQUEST_STEPS):
        for name, work in steps.items():
            steps[name] = parts.wrap(f"erasure step {name}", work)


def request_for(dpo, kind: str, email: str, subject):
    """An open request of the person's, verified, with them confirmed; the DPO in its case."""
    from lethe.dsr import register

    request = register.open_request(dpo, kind, "email", {"email": email})
    register.link_subjects(dpo, request, [subject])
    register.confirm(dpo, request, [subject])
    register.verify(dpo, request, "email_link")
    request.refresh_from_db()
    return request, dataclasses.replace(dpo, case=request.case)


def measure(persons, contacts, chosen, parts: Parts) -> dict[str, tuple[Timing, Timing]]:
    from lethe.dsr import fulfilment, locate
    from lethe.dsr import register as reg
    from lethe.vault.policy import Actor, Role

    dpo = Actor("user", "1", frozenset({Role.DPO}))
    finder = reg.open_request(dpo, "access", "email", {"email": "bench@example.org"})
    in_finder = dataclasses.replace(dpo, case=finder.case)
    base = Baseline()
    timings = {k: (Timing(), Timing()) for k in TARGETS_MS}

    def timed(name: str, call, baseline) -> object:
        parts.current = name
        sample, plain = Timing(), Timing()
        with Clock(sample):
            result = call()
        with Clock(plain):
            baseline()
        ours, theirs = timings[name]
        ours.walls.append(sample.wall)
        ours.cpus.append(sample.cpu)
        theirs.walls.append(plain.wall)
        return result

    for n, i in enumerate(chosen):
        if n and n % 10 == 0:
            step(f"  {n} people")
        email, subject = persons[i]["email"][0], contacts[i].subject_id
        found = timed(
            "locate",
            lambda e=email: locate.locate(in_finder, {"email": e}),
            lambda e=email: base.locate(e),
        )
        assert subject in found.matched, "the person was not found"
        for kind in ("access", "portability", "erasure"):
            request, actor = request_for(dpo, kind, email, subject)
            handler = fulfilment.handler_for(request)
            outcome = timed(
                kind,
                lambda h=handler, a=actor, r=request: h(a, r),
                (lambda e=email: base.erase(e))
                if kind == "erasure"
                else (lambda e=email: base.export(e)),
            )
            assert outcome, f"{kind} returned nothing"
            reg.complete(actor, request, outcome)
    return timings


def server() -> str:
    from django.db import connection

    if connection.vendor == "postgresql":
        import psycopg

        with connection.cursor() as cursor:
            cursor.execute("SHOW server_version")
            return f"PostgreSQL {cursor.fetchone()[0]} (psycopg {psycopg.__version__})"
    import sqlite3

    return f"SQLite {sqlite3.sqlite_version}"


def worker(args) -> int:
    database_urls = None
    if args.worker == "postgresql":
        database_urls = tuple(f"{args.pg_url.rstrip('/')}/{name}" for name in PG_DATABASES)
    setup_django(Path(args.data_dir), database_urls)

    import locate_bench

    rng = random.Random(args.seed)  # noqa: S311 - reproducible test data
    build = Timing()
    with Clock(build):
        step(f"{args.worker}: making {args.contacts} people")
        persons = locate_bench.people(args.contacts, args.seed)
        step("creating contacts through the vault")
        contacts = locate_bench.create_contacts(persons)
        step(f"adding {args.activities} activities, participants, mentions and deals")
        locate_bench.add_rows(contacts, args.activities, rng)
        step(f"adding {args.audit} audit events")
        locate_bench.add_audit_events(contacts, args.audit, rng)
        chosen = rng.sample(range(len(persons)), args.subjects)
        step(f"{TEXTS_PER_PERSON} activities with text for each of {args.subjects} people")
        add_texts([contacts[i] for i in chosen], rng)
        step("plaintext copy for the baseline")
        plaintext_copy(persons, contacts)

    from lethe.dsr import locate

    step("indexing the audit log once (the first locate after installing does this)")
    indexing = Timing()
    with Clock(indexing):
        indexed = locate.index_audit_log()
    parts = Parts()
    instrument(parts)
    step(f"measuring {args.subjects} people")
    timings = measure(persons, contacts, chosen, parts)
    report(args, timings, parts, build, indexing, indexed)
    return 0


def report(args, timings, parts: Parts, build: Timing, indexing: Timing, indexed: int) -> None:
    rule(f"data-subject requests ({server()})")
    for name, value in machine_facts():
        print(f"{name:<14} {value}")
    print(
        f"data           {args.contacts:,} contacts, {args.activities:,} activities, "
        f"{args.audit:,} extra audit events; {args.subjects} people measured, each with "
        f"{TEXTS_PER_PERSON} activities with text"
    )
    print(
        f"building       {build.wall:.0f} s; indexing the audit log: {indexed:,} events "
        f"in {indexing.wall:.1f} s"
    )
    print()
    print(
        f"{'':<12} {'p50 ms':>9} {'p95 ms':>9} {'max ms':>9} {'CPU p50':>9} "
        f"{'base p50':>9} {'ratio':>8}  target"
    )
    for name, (ours, theirs) in timings.items():
        p50, p95 = percentile(ours.walls, 50) * 1000, percentile(ours.walls, 95) * 1000
        base = percentile(theirs.walls, 50) * 1000
        target = TARGETS_MS[name]
        print(
            f"{name:<12} {p50:9.1f} {p95:9.1f} {max(ours.walls) * 1000:9.1f} "
            f"{percentile(ours.cpus, 50) * 1000:9.1f} {base:9.3f} {p50 / base:7.0f}x  "
            f"p95 < {target:.0f} ms: {'met' if p95 < target else 'MISSED'}"
        )
    print()
    print("where the time goes (mean wall ms per call, inside the timed calls;")
    print("store.save is also counted inside the erasure steps that call it; 'of which'")
    print("lines are parts of collect.gather or of the erasure's certify step):")
    for name, spent in parts.seconds.items():
        if not name or name == "locate":
            continue
        total = sum(timings[name][0].walls) / len(timings[name][0].walls) * 1000
        print(f"  {name} (mean {total:.1f} ms)")
        for part, seconds in sorted(spent.items(), key=lambda kv: (kv[0].startswith(" "), -kv[1])):
            print(f"    {part:<40} {seconds / args.subjects * 1000:9.1f}")
    rule()


# --- the parent: databases and subprocesses ----------------------------------------------


class PostgresDatabases:
    """The two bench databases on the server, created fresh on entry, dropped on exit."""

    def __init__(self, server_url: str):
        self.server_url = server_url.rstrip("/")

    def _admin(self):
        import psycopg

        return psycopg.connect(f"{self.server_url}/postgres", autocommit=True, connect_timeout=5)

    def _drop(self, admin) -> None:
        from psycopg import sql

        for name in PG_DATABASES:
            admin.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
            )

    def __enter__(self):
        from psycopg import sql

        with self._admin() as admin:
            self._drop(admin)
            for name in PG_DATABASES:
                admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        return self

    def __exit__(self, *exc):
        with self._admin() as admin:
            self._drop(admin)


def run_worker(args, db: str, tmp: Path) -> None:
    command = [
        sys.executable,
        str(Path(__file__).resolve()),
        "--worker",
        db,
        "--data-dir",
        str(tmp / f"data-{db}"),
        "--contacts",
        str(args.contacts),
        "--activities",
        str(args.activities),
        "--subjects",
        str(args.subjects),
        "--audit",
        str(args.audit),
        "--seed",
        str(args.seed),
        "--pg-url",
        args.pg_url,
    ]
    subprocess.run(command, check=True)  # noqa: S603 - this script, by path


def main(argv=None) -> int:
    args = parse_args(argv)
    if args.worker:
        return worker(args)
    databases = ["sqlite", "postgresql"] if args.db == "both" else [args.db]
    with tempfile.TemporaryDirectory(prefix="lethe-dsr-bench-") as tmp:
        for db in databases:
            if db == "postgresql":
                with PostgresDatabases(args.pg_url):
                    run_worker(args, db, Path(tmp))
            else:
                run_worker(args, db, Path(tmp))
    return 0


if __name__ == "__main__":
    sys.exit(main())
