"""Database triggers that make the audit tables append-only (UPDATE, DELETE, TRUNCATE refused).

On PostgreSQL a DELETE or TRUNCATE is let through only for retention pruning: the
session must set `lethe.audit_prune` and its role must be (a member of) the table's
owner. With the documented role separation (docs/audit.md) the application role
is not, so it cannot remove events even if it sets the flag. SQLite has no roles;
pruning there drops and recreates the triggers inside its transaction.
"""

from __future__ import annotations

from contextlib import contextmanager

APPEND_ONLY = ("audit_auditevent", "audit_checkpoint", "audit_prunedleaf")

_PG_FUNCTION = """
CREATE OR REPLACE FUNCTION lethe_audit_append_only() RETURNS trigger AS $$
BEGIN
    IF TG_OP IN ('DELETE', 'TRUNCATE')
       AND current_setting('lethe.audit_prune', true) = 'on'
       AND pg_has_role(current_user,
                       (SELECT relowner FROM pg_class WHERE oid = TG_RELID), 'MEMBER') THEN
        RETURN OLD;
    END IF;
    RAISE EXCEPTION 'the audit log is append-only: % on % refused', TG_OP, TG_TABLE_NAME
        USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;
"""


def _postgres_sql(table: str) -> list[str]:
    return [
        f"DROP TRIGGER IF EXISTS {table}_append_only ON {table}",
        f"DROP TRIGGER IF EXISTS {table}_no_truncate ON {table}",
        f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
        "FOR EACH ROW EXECUTE FUNCTION lethe_audit_append_only()",
        f"CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table} "
        "FOR EACH STATEMENT EXECUTE FUNCTION lethe_audit_append_only()",
    ]


def _sqlite_sql(table: str) -> list[str]:
    return [
        f"CREATE TRIGGER IF NOT EXISTS {table}_no_{op.lower()} BEFORE {op} ON {table} "
        f"BEGIN SELECT RAISE(ABORT, 'the audit log is append-only: {op} on {table} refused'); "
        "END"
        for op in ("UPDATE", "DELETE")
    ]


def _sqlite_drop(table: str) -> list[str]:
    return [
        f"DROP TRIGGER IF EXISTS {table}_no_update",
        f"DROP TRIGGER IF EXISTS {table}_no_delete",
    ]


def install(connection) -> None:
    """Create (or re-create) the append-only triggers on this connection's database."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(_PG_FUNCTION)
            statements = [s for t in APPEND_ONLY for s in _postgres_sql(t)]
        else:
            statements = [s for t in APPEND_ONLY for s in _sqlite_sql(t)]
        for statement in statements:
            cursor.execute(statement)


def uninstall(connection) -> None:
    """Remove the triggers (used by migrations when going backwards)."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            for table in APPEND_ONLY:
                cursor.execute(f"DROP TRIGGER IF EXISTS {table}_append_only ON {table}")
                cursor.execute(f"DROP TRIGGER IF EXISTS {table}_no_truncate ON {table}")
            cursor.execute("DROP FUNCTION IF EXISTS lethe_audit_append_only()")
        else:
            for table in APPEND_ONLY:
                for statement in _sqlite_drop(table):
                    cursor.execute(statement)


@contextmanager
def pruning(connection):
    """Allow DELETE on the audit tables for the rest of the caller's transaction."""
    if not connection.in_atomic_block:
        raise RuntimeError("pruning happens inside a transaction")
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET LOCAL lethe.audit_prune = 'on'")
            yield
            cursor.execute("SET LOCAL lethe.audit_prune = 'off'")
        else:
            for table in APPEND_ONLY:
                for statement in _sqlite_drop(table):
                    cursor.execute(statement)
            yield
            for table in APPEND_ONLY:
                for statement in _sqlite_sql(table):
                    cursor.execute(statement)
