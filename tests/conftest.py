"""Fixtures shared by the whole suite: key files, one actor per role, relations, people."""

from __future__ import annotations

import os
from dataclasses import dataclass, field

import pytest
from django.conf import settings
from django.db import connections

from lethe import synthetic
from lethe.vault import keyadmin, policy
from lethe.vault.policy import Actor, Role

ALL = ["default", "keystore"]


def _postgres_problem() -> str | None:
    """Return why the configured PostgreSQL server cannot be reached, or None."""
    if settings.DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql":
        return None
    import psycopg

    db = settings.DATABASES["default"]
    try:
        psycopg.connect(
            host=db["HOST"] or "localhost",
            port=db["PORT"] or 5432,
            user=db["USER"],
            password=db["PASSWORD"] or None,
            dbname="postgres",
            connect_timeout=3,
        ).close()
    except psycopg.OperationalError as exc:
        return str(exc).strip().splitlines()[0]
    return None


def pytest_report_header(config):
    return f"lethe databases: {', '.join(connections[a].vendor for a in ALL)}"


def pytest_collection_modifyitems(config, items):
    problem = _postgres_problem()
    if problem is None:
        return
    if os.environ.get("CI"):
        raise pytest.UsageError(f"PostgreSQL is required under CI and unreachable: {problem}")
    skip = pytest.mark.skip(reason=f"PostgreSQL not reachable: {problem}")
    for item in items:
        item.add_marker(skip)


@pytest.fixture(scope="session", autouse=True)
def flush_passes_audit_triggers():
    """Let the test runner empty the append-only audit and consent tables between
    transactional tests."""
    from django.db import transaction

    from lethe.audit import triggers
    from lethe.consent import triggers as consent_triggers

    ops = type(connections["default"].ops)
    original = ops.execute_sql_flush

    def execute_sql_flush(self, sql_list):
        if self.connection.alias != "default":
            return original(self, sql_list)
        with (
            transaction.atomic(using="default"),
            triggers.pruning(self.connection),
            consent_triggers.forgetting(self.connection),
        ):
            return original(self, sql_list)

    ops.execute_sql_flush = execute_sql_flush
    yield
    ops.execute_sql_flush = original


@pytest.fixture(scope="session", autouse=True)
def key_files():
    """Create the test data dir's master and index key files once."""
    keyadmin.initialise(settings.CONFIG)
    return settings.CONFIG


@dataclass
class FakeRelations:
    """Grant conditions answered from plain sets, for tests of the policy and the gate."""

    owners: dict[str, set] = field(default_factory=dict)
    consents: dict[str, set] = field(default_factory=dict)
    open_cases: set[str] = field(default_factory=set)

    def owned(self, actor, subjects):
        return subjects & self.owners.get(actor.label, set())

    def consented(self, subjects, purpose):
        return subjects & self.consents.get(str(purpose), set())

    def case_open(self, actor):
        return actor.case in self.open_cases

    def case_subjects(self, actor, subjects):
        return set(subjects) if self.case_open(actor) else set()


@pytest.fixture
def relations():
    """Install FakeRelations for one test."""
    fake = FakeRelations()
    previous = policy.set_relations(fake)
    yield fake
    policy.set_relations(previous)


def actor(role: Role | None, name: str | None = None, **kwargs) -> Actor:
    roles = frozenset() if role is None else frozenset({role})
    return Actor("user", name or (role.value if role else "outsider"), roles, **kwargs)


@pytest.fixture
def sales():
    return actor(Role.SALES)


@pytest.fixture
def system():
    return Actor.system("tests")


@pytest.fixture
def people():
    """Return a function making n synthetic people (Faker + Skatteverket test numbers)."""

    def make(n: int = 1, seed: int = 7):
        return list(synthetic.people(n, seed=seed))

    return make
