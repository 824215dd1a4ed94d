"""Database triggers that make the consent ledger and its notice texts append-only.

UPDATE is refused always, DELETE (and TRUNCATE on PostgreSQL) unless the transaction
is forgetting erased subjects (`forgetting()`, used by lethe.consent.ledger.forget):
on PostgreSQL the session sets `lethe.consent_forget` for the rest of the transaction;
SQLite has no session settings, so the triggers are dropped and re-created inside the
caller's transaction (its writes are serialised, so nobody else writes meanwhile).

Unlike audit pruning, forgetting is part of every erasure, which the application
runs under its own role; so the PostgreSQL trigger does not ask for the table owner.
With the role separation of docs/audit.md the application role keeps DELETE on
`consent_consentevent` and loses UPDATE and TRUNCATE.
"""

from __future__ import annotations

from contextlib import contextmanager

APPEND_ONLY = ("consent_consentevent", "consent_noticetext")

_PG_FUNCTION = """
CREATE OR REPLACE FUNCTION lethe_consent_append_only() RETURNS trigger AS $$
BEGIN
    IF TG_OP IN ('DELETE', 'TRUNCATE')
       AND current_setting('lethe.consent_forget', true) = 'on' THEN
        RETURN OLD;
    END IF;
    RAISE EXCEPTION 'the consent ledger is append-only: % on % refused', TG_OP, TG_TABLE_NAME
        USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;
"""


def _postgres_sql(table: str) -> list[str]:
    return [
        f"DROP TRIGGER IF EXISTS {table}_append_only ON {table}",
        f"DROP TRIGGER IF EXISTS {table}_no_truncate ON {table}",
        f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
        "FOR EACH ROW EXECUTE FUNCTION lethe_consent_append_only()",
        f"CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table} "
        "FOR EACH STATEMENT EXECUTE FUNCTION lethe_consent_append_only()",
    ]


def _sqlite_sql(table: str, ops=("UPDATE", "DELETE")) -> list[str]:
    return [
        f"CREATE TRIGGER IF NOT EXISTS {table}_no_{op.lower()} BEFORE {op} ON {table} "
        f"BEGIN SELECT RAISE(ABORT, 'the consent ledger is append-only: {op} on {table} "
        "refused'); END"
        for op in ops
    ]


def _sqlite_drop(table: str, ops=("UPDATE", "DELETE")) -> list[str]:
    return [f"DROP TRIGGER IF EXISTS {table}_no_{op.lower()}" for op in ops]


def install(connection) -> None:
    """Create (or re-create) the triggers on this connection's database."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(_PG_FUNCTION)
            statements = [s for t in APPEND_ONLY for s in _postgres_sql(t)]
        else:
            statements = [s for t in APPEND_ONLY for s in _sqlite_sql(t)]
        for statement in statements:
            cursor.execute(statement)


def uninstall(connection) -> None:
    """Remove the triggers (migrations going backwards)."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            for table in APPEND_ONLY:
                cursor.execute(f"DROP TRIGGER IF EXISTS {table}_append_only ON {table}")
                cursor.execute(f"DROP TRIGGER IF EXISTS {table}_no_truncate ON {table}")
            cursor.execute("DROP FUNCTION IF EXISTS lethe_consent_append_only()")
        else:
            for table in APPEND_ONLY:
                for statement in _sqlite_drop(table):
                    cursor.execute(statement)


@contextmanager
def forgetting(connection):
    """Allow DELETE on the ledger tables for the rest of the caller's transaction."""
    if not connection.in_atomic_block:
        raise RuntimeError("forgetting happens inside a transaction")
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET LOCAL lethe.consent_forget = 'on'")
            yield
            cursor.execute("SET LOCAL lethe.consent_forget = 'off'")
        else:  # only the DELETE triggers: an UPDATE stays refused
            for table in APPEND_ONLY:
                for statement in _sqlite_drop(table, ("DELETE",)):
                    cursor.execute(statement)
            yield
            for table in APPEND_ONLY:
                for statement in _sqlite_sql(table, ("DELETE",)):
                    cursor.execute(statement)
