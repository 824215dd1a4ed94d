"""I1 and I3 after an erasure, on the real files: nothing of the person is left in plaintext
anywhere Lethe writes, and a copy of the main database taken before the erasure, put back
afterwards, opens nothing of theirs (the key it needs is gone)."""

from __future__ import annotations

import logging
import sqlite3
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connections, transaction

from lethe.activities.models import Activity
from lethe.attachments.store import BlobMissing, get_store
from lethe.audit import log
from lethe.audit.models import Action
from lethe.contacts.models import Contact
from lethe.dsr import erasure, store
from lethe.dsr.models import Export
from lethe.holds import actions as holds
from lethe.holds.models import LegalHold
from lethe.vault import documents, gate
from lethe.vault.models import PersonalValue
from lethe.vault.policy import Actor, Purpose, Role
from tests.conftest import ALL
from tests.dsr.erasure.conftest import World, build
from tests.vault.test_at_rest import encodings, needles, stored_bytes

pytestmark = pytest.mark.django_db(databases=ALL, transaction=True)

# The data migrations' seeds, which an earlier transactional test's flush removes. (Not
# serialized_rollback: after another transactional test the content types are back,
# and restoring the serialized ones then collides with them.)
SEEDS = (
    ("lethe.deals.migrations.0002_default_pipeline", "create"),
    ("lethe.purposes.migrations.0002_seed_purposes", "seed"),
    ("lethe.retention.migrations.0002_default_policies", "seed"),
)


@pytest.fixture(autouse=True)
def seeded():
    """Put back what the migrations seed (pipelines, purposes, retention policies)."""
    import importlib

    from django.apps import apps

    from lethe.deals.models import Pipeline

    if not Pipeline.objects.exists():
        for module, function in SEEDS:
            getattr(importlib.import_module(module), function)(apps, None)


DSR = Purpose.DATA_SUBJECT_REQUEST


def data_files() -> dict[str, bytes]:
    """Every file in the data dir (on SQLite both databases with WAL; attachments,
    exports, keys), and on PostgreSQL a pg_dump of each database."""
    root = settings.CONFIG.data_dir
    files = {
        str(path.relative_to(root)): path.read_bytes()
        for path in sorted(root.rglob("*"))
        if path.is_file()
    }
    files.update(
        (name, blob) for name, blob in stored_bytes().items() if name.startswith("pg_dump")
    )
    return files


def is_database(name: str) -> bool:
    return name.endswith((".sqlite3", ".sqlite3-wal")) or name.startswith("pg_dump")


def person_texts(world: World) -> set[str]:
    """The person's identifiers and the free text about them."""
    return needles(world.person) | set(world.texts)


def leaks(texts: set[str], blobs: dict[str, bytes]) -> set[tuple[str, str]]:
    return {
        (where, text)
        for text in texts
        for encoded in encodings(text)
        for where, blob in blobs.items()
        if encoded in blob
    }


@pytest.fixture
def logs(caplog, capfd):
    """Everything logged (records and what reached stderr) while the test runs."""
    caplog.set_level(logging.DEBUG)

    def read() -> bytes:
        out, err = capfd.readouterr()
        return (caplog.text + out + err).encode()

    return read


def test_after_erasure_no_file_or_log_holds_their_identifiers_or_notes(logs):
    before = data_files()
    world = build(seed=6845, label="r")
    texts = person_texts(world)
    # Common names may be stored by other tests already (in their own sealed data they
    # are not, but a deliberate leak test elsewhere writes one): judge only what was new.
    texts -= {text for where, text in leaks(texts, before)}
    assert len(texts) >= 10
    erasure.erase(world.dpo, world.request)

    stored = data_files()
    names = set(stored)
    assert any(is_database(n) and "keystore" in n for n in names)
    assert any(n.startswith("exports/") for n in names)  # certificates were written there
    assert not any(str(world.file.blob) in n or str(world.call_file.blob) in n for n in names)
    assert leaks(texts, {**stored, "logs": logs()}) == set()


def test_the_scan_finds_plaintext_in_a_database_a_store_or_a_log(logs):
    """The scan above can fail: plaintext put where it looks is found."""
    world = build(seed=6846, label="g")
    name = f"{world.person['first_name']} {world.person['last_name']}"
    assert leaks({name}, data_files()) == set()
    with transaction.atomic():
        log.record(Actor.system("tests"), Action.SYSTEM, detail={"careless": name})
    probe = settings.CONFIG.data_dir / "exports" / "probe.txt"
    probe.parent.mkdir(exist_ok=True)
    probe.write_text(f"export of {name}")
    logging.getLogger("lethe.tests").warning("careless %s", world.person["email"][0])
    try:
        found = {where for where, _ in leaks({name, world.person["email"][0]}, data_files())}
        assert "exports/probe.txt" in found
        assert any(is_database(where) for where in found)
        assert leaks({world.person["email"][0]}, {"logs": logs()}) == {
            ("logs", world.person["email"][0])
        }
    finally:
        probe.unlink()


def backup(target: Path) -> None:
    """Copy the main database as a backup would (SQLite's online backup)."""
    source = sqlite3.connect(connections["default"].settings_dict["NAME"])
    copy = sqlite3.connect(target)
    source.backup(copy)
    source.close()
    copy.close()


def restore(source: Path) -> None:
    """Put a copy back in place of the main database."""
    connections["default"].close()
    copy = sqlite3.connect(source)
    live = sqlite3.connect(connections["default"].settings_dict["NAME"])
    copy.backup(live)
    copy.close()
    live.close()


def test_a_copy_of_the_main_database_taken_before_and_put_back_after_yields_nothing(tmp_path):
    if connections["default"].vendor != "sqlite":
        pytest.skip("restores the SQLite file; PostgreSQL is covered by the key being gone")
    world = build(seed=6847, label="b")
    copy = tmp_path / "before-erasure.sqlite3"
    backup(copy)
    erasure.erase(world.dpo, world.request)
    restore(copy)

    # The old rows are all back: the contact, their sealed values, texts and index rows ...
    assert Contact.objects.filter(pk=world.contact.pk).exists()
    assert PersonalValue.objects.filter(subject_id=world.subject, scope="default").count() == 9
    dpo = world.dpo  # the request is open again in the copy, with the person linked
    # ... but nothing of the person opens any more.
    values = gate.read(dpo, [world.subject], DSR)[world.subject]
    assert values and all(v is gate.ERASED for v in values.values())
    assert gate.find(dpo, "email", world.person["email"][0], DSR) == []
    assert gate.find(dpo, "last_name", world.person["last_name"], DSR) == []
    call = Activity.objects.get(pk=world.call.pk).body
    assert documents.open_many(dpo, DSR, [call]) == {call.id: gate.ERASED}
    for blob in (world.file.blob, world.call_file.blob):
        with pytest.raises(BlobMissing):
            get_store().get(blob)
    with pytest.raises((store.ExportGone, BlobMissing)):
        store.open_export(dpo, Export.objects.get(pk=world.access_export.pk), channel="test")
    # What a legal hold keeps stays readable for its purpose, from the copy too.
    finance = Actor("user", "finance", frozenset({Role.FINANCE}))
    (record,) = holds.contract_records(finance, LegalHold.objects.filter(subject_id=world.subject))
    assert record.name == f"{world.person['first_name']} {world.person['last_name']}"
