#!/usr/bin/env python
"""Benchmark locate (lethe.dsr.locate) on SQLite: finding a person and everything they hold.

Creates N synthetic contacts through the vault, then M activities over them (rows
only: their text does not change what locate queries), a participant on one activity
in 10 and an @mention on one in 20, a deal per 10 contacts, and A extra audit events
naming one to three people each (the audit holder scans the log). Then, as a DPO
inside an open request, locates 100 people by e-mail, by name, and lists the holdings
of each, and prints p50 and p95. Everything runs in a throwaway data dir.

    .venv/bin/python benchmarks/locate_bench.py [--contacts N] [--activities M] [--audit A]
"""

from __future__ import annotations

import argparse
import datetime
import random
import sys
import time

import harness
from harness import Clock, Timing, machine_facts, percentile, rule, setup_django

TARGET_MS = 50.0
BATCH = 1000
ROW_BATCH = 5000


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--contacts", type=int, default=100_000)
    parser.add_argument("--activities", type=int, default=1_000_000)
    parser.add_argument("--audit", type=int, default=1_000_000, help="extra audit events")
    parser.add_argument("--subjects", type=int, default=100, help="people located")
    parser.add_argument("--seed", type=int, default=11)
    return parser.parse_args(argv)


def step(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def people(count: int, seed: int) -> list[dict]:
    """Synthetic people: a Faker pool recombined, each e-mail address unique."""
    from lethe import synthetic
    from lethe.vault.normalize import fold

    rng = random.Random(seed)  # noqa: S311 - reproducible test data
    pool = list(synthetic.people(min(count, 4000), seed=seed))
    result = []
    for i in range(count):
        first = rng.choice(pool)["first_name"]
        last = rng.choice(pool)["last_name"]
        local = "".join(c for c in fold(f"{first}.{last}") if c.isalnum() or c == ".")
        result.append(
            {"first_name": first, "last_name": last, "email": [f"{local}.{i}@example.org"]}
        )
    return result


def create_contacts(persons: list[dict]) -> list:
    from lethe.contacts.actions import create_contacts as create
    from lethe.vault.policy import Actor, Purpose

    actor, contacts = Actor.system("bench"), []
    for start in range(0, len(persons), BATCH):
        items = [(p, {}) for p in persons[start : start + BATCH]]
        contacts += create(actor, Purpose.CUSTOMER_RELATIONSHIP, items)
    return contacts


def add_rows(contacts: list, activities: int, rng: random.Random) -> None:
    """Activities (rows only), participants, mentions and deals, in bulk."""
    from django.utils import timezone

    from lethe.activities.models import Activity, ActivityMention, ActivityParticipant
    from lethe.deals.models import Deal, DealContact, Stage

    now = timezone.now()
    for start in range(0, activities, ROW_BATCH):
        if start and start % 100_000 == 0:
            step(f"  {start} activities")
        rows = Activity.objects.bulk_create(
            Activity(
                kind="call",
                occurred_at=now - datetime.timedelta(minutes=rng.randrange(500_000)),
                contact_id=rng.choice(contacts).pk,
            )
            for _ in range(min(ROW_BATCH, activities - start))
        )
        ActivityParticipant.objects.bulk_create(
            ActivityParticipant(activity_id=a.pk, subject_id=rng.choice(contacts).subject_id)
            for a in rows[::10]
        )
        ActivityMention.objects.bulk_create(
            ActivityMention(activity_id=a.pk, subject_id=rng.choice(contacts).subject_id)
            for a in rows[::20]
        )
    stage = Stage.objects.order_by("pipeline", "position").first()
    deals = Deal.objects.bulk_create(
        Deal(title=f"Deal {i}", pipeline=stage.pipeline, stage=stage)
        for i in range(len(contacts) // 10)
    )
    DealContact.objects.bulk_create(
        DealContact(deal=d, contact=rng.choice(contacts)) for d in deals
    )


def add_audit_events(contacts: list, count: int, rng: random.Random) -> None:
    """Raw audit rows naming one to three people (the chain is not kept: a throwaway)."""
    from django.utils import timezone

    from lethe.audit.models import AuditEvent, ChainHead

    first = (AuditEvent.objects.order_by("-seq").values_list("seq", flat=True).first() or 0) + 1
    now = timezone.now()
    for start in range(0, count, ROW_BATCH):
        AuditEvent.objects.bulk_create(
            AuditEvent(
                seq=first + start + i,
                at=now,
                actor="user:1",
                action="read",
                outcome="allowed",
                subjects=sorted(
                    str(rng.choice(contacts).subject_id) for _ in range(rng.randint(1, 3))
                ),
                prev_hash=b"\0" * 32,
                hash=b"\0" * 32,
            )
            for i in range(min(ROW_BATCH, count - start))
        )
    ChainHead.objects.update(seq=first + count - 1)  # later events follow these


def dpo_in_case():
    import dataclasses

    from lethe.dsr import register
    from lethe.vault.policy import Actor, Role

    dpo = Actor("user", "1", frozenset({Role.DPO}))
    request = register.open_request(dpo, "access", "email", {"email": "bench@example.org"})
    return dataclasses.replace(dpo, case=request.case)


def measure(actor, persons, contacts, n, rng) -> dict[str, Timing]:
    from lethe.dsr import locate

    chosen = rng.sample(range(len(persons)), n)
    timings = {k: Timing() for k in ("by e-mail", "by name", "holdings", "holdings, no audit")}
    # Every locate appends audit events (the searches), which the next one indexes.
    audit = locate.HOLDERS["audit_event"]
    for i in chosen:
        person, subject = persons[i], contacts[i].subject_id
        for name, call in (
            ("by e-mail", lambda p=person: locate.locate(actor, {"email": p["email"][0]})),
            (
                "by name",
                lambda p=person: locate.locate(
                    actor, {"name": f"{p['first_name']} {p['last_name']}"}
                ),
            ),
            ("holdings", lambda s=subject: locate.holdings([s])),
        ):
            sample = Timing()
            with Clock(sample):
                found = call()
            timings[name].walls.append(sample.wall)
            timings[name].cpus.append(sample.cpu)
            if name == "by e-mail":
                assert subject in found.matched, "the person was not found"
        del locate.HOLDERS["audit_event"]
        try:
            sample = Timing()
            with Clock(sample):
                locate.holdings([subject])
            timings["holdings, no audit"].walls.append(sample.wall)
        finally:
            locate.HOLDERS["audit_event"] = audit
    return timings


def run(args, tmp) -> bool:
    setup_django(tmp / "data")
    rng = random.Random(args.seed)  # noqa: S311
    step(f"making {args.contacts} people")
    persons = people(args.contacts, args.seed)
    step("creating contacts through the vault")
    contacts = create_contacts(persons)
    step(f"adding {args.activities} activities, participants, mentions and deals")
    add_rows(contacts, args.activities, rng)
    step(f"adding {args.audit} audit events")
    add_audit_events(contacts, args.audit, rng)
    step("indexing the audit log once (the first locate after installing does this)")
    from lethe.dsr import locate

    indexing = Timing()
    with Clock(indexing):
        indexed = locate.index_audit_log()
    step(f"locating {args.subjects} people")
    timings = measure(dpo_in_case(), persons, contacts, args.subjects, rng)
    rule("locate (SQLite)")
    for name, value in machine_facts():
        print(f"{name:<14} {value}")
    print(
        f"data           {args.contacts} contacts, {args.activities} activities, "
        f"{args.audit} extra audit events"
    )
    print(f"indexing the audit log once: {indexed} events in {indexing.wall:.1f} s")
    ok = True
    for name, timing in timings.items():
        p50 = percentile(timing.walls, 50) * 1000
        p95 = percentile(timing.walls, 95) * 1000
        print(f"{name:<20} p50 {p50:7.1f} ms   p95 {p95:7.1f} ms")
        ok = ok and (name.startswith("holdings") or p95 <= TARGET_MS)
    print(f"target: locate under {TARGET_MS:.0f} ms (p95): {'met' if ok else 'MISSED'}")
    return ok


if __name__ == "__main__":
    sys.exit(harness.main(parse_args, run))
