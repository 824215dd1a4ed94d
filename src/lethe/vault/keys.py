"""Data keys in the keystore: create, unwrap in batches, shred, and rotate the KEK.

Only the gate and the key commands call this module. Unwrapped keys are returned to
the caller for one call or batch and never stored anywhere but the caller's frame.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from uuid import UUID

from django.conf import settings
from django.db import connections, transaction
from django.db.models import Count
from django.utils import timezone

from lethe.config import Config
from lethe.vault import crypto, keyring
from lethe.vault.keystore.models import DataKey, Rotation
from lethe.vault.keystore.router import KEYSTORE_DB

ROTATION_BATCH = 500


def initialise(config: Config) -> list[str]:
    """Create whichever key files are missing; return what was created."""
    created = []
    if not config.master_key_file.exists():
        keyring.create_master(config.master_key_file)
        created.append(str(config.master_key_file))
    if not config.index_key_file.exists():
        keyring.create_index_key(config.index_key_file)
        created.append(str(config.index_key_file))
    if not config.audit_key_file.exists():
        keyring.create_signing_key(config.audit_key_file)
        created.append(str(config.audit_key_file))
    keyring.check(config)
    return created


def master() -> keyring.MasterKey:
    return keyring.load_master(settings.CONFIG.master_key_file)


def unwrap_many(pairs: Iterable[tuple[UUID, str]]) -> dict[tuple[UUID, str], bytes | None]:
    """Return the data keys of (subject, scope) pairs in one query; None where shredded.

    Pairs with no key at all are absent from the result.
    """
    pairs = set(pairs)
    if not pairs:
        return {}
    mk = master()
    connection = connections[KEYSTORE_DB]
    prep = DataKey._meta.get_field("subject").get_db_prep_value
    by_db_id = {prep(s, connection): s for s, _ in pairs}
    scopes = sorted({scope for _, scope in pairs})
    # A raw query: for a page of 50 subjects the ORM's row handling costs more than
    # the unwrapping itself.
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT subject, scope, kek_version, wrapped FROM {DataKey._meta.db_table} "  # noqa: S608
            f"WHERE scope IN ({', '.join(['%s'] * len(scopes))}) "
            f"AND subject IN ({', '.join(['%s'] * len(by_db_id))})",
            [*scopes, *by_db_id],
        )
        rows = cursor.fetchall()
    found: dict[tuple[UUID, str], bytes | None] = {}
    for db_id, scope, version, wrapped in rows:
        pair = (by_db_id[db_id], scope)
        if pair not in pairs:
            continue
        found[pair] = (
            None
            if wrapped is None
            else crypto.unwrap(
                mk.kek(version), wrapped, subject=str(pair[0]), scope=scope, kek_version=version
            )
        )
    return found


def create(pairs: Iterable[tuple[UUID, str]]) -> dict[tuple[UUID, str], bytes]:
    """Create and store data keys for new (subject, scope) pairs; return them unwrapped."""
    mk = master()
    kek = mk.kek(mk.current)
    connection = connections[KEYSTORE_DB]
    prep_id = DataKey._meta.get_field("subject").get_db_prep_value
    now = DataKey._meta.get_field("created_at").get_db_prep_value(timezone.now(), connection)
    created = {pair: crypto.new_key() for pair in pairs}
    rows = [
        (
            prep_id(subject, connection),
            scope,
            mk.current,
            crypto.wrap(kek, key, subject=str(subject), scope=scope, kek_version=mk.current),
            now,
        )
        for (subject, scope), key in created.items()
    ]
    quote = connection.ops.quote_name
    with transaction.atomic(using=KEYSTORE_DB), connection.cursor() as cursor:
        cursor.executemany(
            f"INSERT INTO {quote(DataKey._meta.db_table)} "  # noqa: S608
            "(subject, scope, kek_version, wrapped, created_at) VALUES (%s, %s, %s, %s, %s)",
            rows,
        )
    return created


def ensure(pairs: Iterable[tuple[UUID, str]]) -> dict[tuple[UUID, str], bytes | None]:
    """Return the data keys of these pairs, creating the missing ones (None where shredded)."""
    pairs = set(pairs)
    found = unwrap_many(pairs)
    missing = pairs - found.keys()
    if missing:
        mk = master()
        kek = mk.kek(mk.current)
        new = {pair: crypto.new_key() for pair in missing}
        DataKey.objects.bulk_create(
            [
                DataKey(
                    subject=subject,
                    scope=scope,
                    kek_version=mk.current,
                    wrapped=crypto.wrap(
                        kek, key, subject=str(subject), scope=scope, kek_version=mk.current
                    ),
                )
                for (subject, scope), key in new.items()
            ],
            ignore_conflicts=True,  # a concurrent writer may have created one first
        )
        found.update(unwrap_many(missing))
    return found


def shred(subject: UUID, scope: str) -> bool:
    """Destroy the data key of (subject, scope); return False if it was already gone."""
    now = timezone.now()
    with transaction.atomic(using=KEYSTORE_DB):
        updated = DataKey.objects.filter(
            subject=subject, scope=scope, shredded_at__isnull=True
        ).update(wrapped=None, kek_version=None, shredded_at=now)
        if not updated:
            _, created = DataKey.objects.get_or_create(
                subject=subject, scope=scope, defaults={"shredded_at": now}
            )
            updated = int(created)
    _purge_old_versions()
    return bool(updated)


def _purge_old_versions() -> None:
    """Make the database drop the old row versions that still hold a shredded key."""
    connection = connections[KEYSTORE_DB]
    if connection.in_atomic_block:
        return  # the caller's transaction ends later; it purges on the next shred
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            # secure_delete zeroes freed cells; the checkpoint empties the WAL file.
            cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        elif connection.vendor == "postgresql":
            cursor.execute(f"VACUUM {DataKey._meta.db_table}")


@dataclass(frozen=True)
class Status:
    """The state of the keys, for `lethe keys status`."""

    kek_versions: list[int]
    current: int
    keys_by_version: dict[int, int]
    shredded: int
    unfinished_rotation: int | None


def status() -> Status:
    """Return the KEK versions and how many data keys each wraps."""
    mk = master()
    counts = dict(
        DataKey.objects.filter(wrapped__isnull=False)
        .values_list("kek_version")
        .annotate(n=Count("id"))
        .order_by()
    )
    rotation = Rotation.objects.filter(finished_at__isnull=True).order_by("-version").first()
    return Status(
        kek_versions=sorted(mk.versions),
        current=mk.current,
        keys_by_version=counts,
        shredded=DataKey.objects.filter(wrapped__isnull=True).count(),
        unfinished_rotation=rotation.version if rotation else None,
    )


def _stale() -> Iterable[DataKey]:
    return DataKey.objects.filter(wrapped__isnull=False).exclude(kek_version=master().current)


def rotate(
    *,
    batch_size: int = ROTATION_BATCH,
    on_start: Callable[[int, int, bool], None] = lambda version, total, resumed: None,
    on_batch: Callable[[int], None] = lambda done: None,
) -> Rotation:
    """Rewrap every data key under a new KEK version, or finish an interrupted rotation.

    The new KEK is added to the key file first; then keys are rewrapped in batches,
    each its own transaction. If the process stops, the next call finds keys still
    wrapped with an older version and carries on with the current one.
    """
    unfinished = Rotation.objects.filter(finished_at__isnull=True).first()
    resumed = unfinished is not None or _stale().exists()
    if not resumed:
        keyring.add_master_version(settings.CONFIG.master_key_file)
    mk = master()
    rotation, _ = Rotation.objects.get_or_create(version=mk.current)
    Rotation.objects.filter(finished_at__isnull=True).exclude(pk=rotation.pk).update(
        finished_at=timezone.now()  # superseded: their keys are rewrapped to the newer one
    )
    on_start(mk.current, _stale().count(), resumed)
    kek = mk.kek(mk.current)
    while True:
        with transaction.atomic(using=KEYSTORE_DB):
            batch = list(_stale().order_by("id")[:batch_size])
            if not batch:
                break
            for key in batch:
                plain = crypto.unwrap(
                    mk.kek(key.kek_version),
                    key.wrapped,
                    subject=str(key.subject),
                    scope=key.scope,
                    kek_version=key.kek_version,
                )
                key.wrapped = crypto.wrap(
                    kek,
                    plain,
                    subject=str(key.subject),
                    scope=key.scope,
                    kek_version=mk.current,
                )
                key.kek_version = mk.current
            DataKey.objects.bulk_update(batch, ["wrapped", "kek_version"])
            Rotation.objects.filter(pk=rotation.pk).update(
                rewrapped=rotation.rewrapped + len(batch)
            )
            rotation.rewrapped += len(batch)
        on_batch(len(batch))
    rotation.finished_at = timezone.now()
    rotation.save(update_fields=["finished_at"])
    return rotation
