"""I1 and I3 on the real files: no plaintext at rest, and shredding reaches old copies."""

import contextlib
import json
import sqlite3
import subprocess
from pathlib import Path

import pytest
from django.db import connections, transaction

from lethe.audit import log
from lethe.audit.models import Action
from lethe.vault import gate, keys
from lethe.vault.models import PersonalValue
from lethe.vault.policy import Purpose
from tests.conftest import ALL

pytestmark = pytest.mark.django_db(databases=ALL, transaction=True)

CR = Purpose.CUSTOMER_RELATIONSHIP
# Needles shorter than this could turn up by chance in kilobytes of ciphertext.
MIN_NEEDLE = 5


def needles(person: dict) -> set[str]:
    """Return the strings of one person that must never appear at rest."""
    number = person["identity_number"]
    phone = person["phone"][0]
    found = {
        person["first_name"],
        person["last_name"],
        f"{person['first_name']} {person['last_name']}",
        person["job_title"],
        person["address"]["street"],
        number,
        f"{number[2:8]}-{number[8:]}",
        phone,
        "0" + phone.removeprefix("+46"),
        *person["email"],
    }
    return {n for n in found if len(n) >= MIN_NEEDLE}


def encodings(text: str) -> set[bytes]:
    """Return `text` in the encodings a careless layer might store it in."""
    forms = {text, text.lower(), text.upper()}
    out = set()
    for form in forms:
        for codec in ("utf-8", "utf-16-le", "utf-16-be", "latin-1"):
            with contextlib.suppress(UnicodeEncodeError):
                out.add(form.encode(codec))
        out.add(json.dumps(form).encode())  # \u00f6-style escapes
        out.add(form.encode().hex().encode())  # bytea hex in a pg_dump
    return out


def sqlite_files(alias: str) -> list[Path]:
    name = Path(connections[alias].settings_dict["NAME"])
    return [p for p in (name, Path(f"{name}-wal"), Path(f"{name}-shm")) if p.exists()]


def stored_bytes() -> dict[str, bytes]:
    """Return every byte Lethe keeps in its databases, by where it came from."""
    blobs = {}
    for alias in ALL:
        connection = connections[alias]
        if connection.vendor == "sqlite":
            for path in sqlite_files(alias):
                blobs[path.name] = path.read_bytes()
        else:
            db = connection.settings_dict
            dump = subprocess.run(
                [
                    "pg_dump",
                    "-h",
                    db["HOST"] or "localhost",
                    "-p",
                    str(db["PORT"] or 5432),
                    "-U",
                    db["USER"],
                    "--no-owner",
                    connection.settings_dict["NAME"],
                ],
                capture_output=True,
                check=True,
                timeout=120,
            )
            blobs[f"pg_dump {db['NAME']}"] = dump.stdout
    return blobs


@pytest.fixture
def written(system, people):
    """Write synthetic people through the gate (committed) and return them."""
    persons = [
        p
        for p in people(80, seed=11)
        if len(p["first_name"]) >= MIN_NEEDLE and len(p["last_name"]) >= MIN_NEEDLE
    ][:30]
    for person in persons:
        person["notes"] = f"Met {person['first_name']} at the fair; call back in May."
    gate.create_subjects(system, CR, persons)
    return persons


def test_no_personal_data_is_stored_in_plaintext_in_any_database_file(written):
    blobs = stored_bytes()
    assert sum(len(b) for b in blobs.values()) > 10_000  # the scan saw real files
    leaks = [
        (where, text)
        for person in written
        for text in needles(person)
        for encoded in encodings(text)
        for where, blob in blobs.items()
        if encoded in blob
    ]
    assert leaks == []


def test_the_scan_would_find_plaintext_if_it_were_stored(written, system):
    # Guard against a scan that can never fail: log one value in plaintext on purpose.
    person = written[0]
    with transaction.atomic():
        log.record(system, Action.SYSTEM, detail={"careless": person["last_name"]})
    blobs = stored_bytes()
    assert any(
        encoded in blob for encoded in encodings(person["last_name"]) for blob in blobs.values()
    )


def snapshot_main_database(tmp_path: Path) -> list[tuple]:
    """Copy the main database as a backup would; return its vault rows from the copy."""
    connection = connections["default"]
    if connection.vendor == "sqlite":
        copy = tmp_path / "backup.sqlite3"
        source = sqlite3.connect(connection.settings_dict["NAME"])
        target = sqlite3.connect(copy)
        source.backup(target)
        source.close()
        rows = target.execute(
            "SELECT subject_id, scope, field, ciphertext FROM vault_personalvalue"
        ).fetchall()
        target.close()
        from uuid import UUID

        return [(UUID(s), scope, f, bytes(c)) for s, scope, f, c in rows]
    return list(PersonalValue.objects.values_list("subject_id", "scope", "field", "ciphertext"))


def decrypt_copy(rows, subject_id) -> dict:
    """Decrypt one subject's rows of a copy with whatever the live keystore still holds."""
    out = {}
    for subject, scope, field, ciphertext in rows:
        if subject != subject_id:
            continue
        key = keys.unwrap_many([(subject, scope)]).get((subject, scope))
        if key is not None:
            out[field] = gate._open(key, subject, scope, field, bytes(ciphertext))
    return out


def test_a_copy_taken_before_shred_becomes_unreadable_after_it(system, people, tmp_path):
    victim, bystander = gate.create_subjects(system, CR, people(2, seed=5))
    backup = snapshot_main_database(tmp_path)
    before = decrypt_copy(backup, victim.id)
    assert before["identity_number"]
    assert len(before) >= 6

    gate.shred(system, victim, reason="erasure_request")

    assert decrypt_copy(backup, victim.id) == {}
    assert decrypt_copy(backup, bystander.id)  # only the victim's key went


def test_a_shredded_key_leaves_no_trace_in_the_keystore_files(system, people):
    if connections["keystore"].vendor != "sqlite":
        pytest.skip("file-level check; PostgreSQL's row versions are vacuumed instead")
    victim = gate.create_subject(system, CR, people(1, seed=9)[0])
    from lethe.vault.keystore.models import DataKey

    wrapped = bytes(DataKey.objects.get(subject=victim.id).wrapped)
    files = sqlite_files("keystore")
    assert any(wrapped in p.read_bytes() for p in files)
    gate.shred(system, victim, reason="test")
    assert not any(wrapped in p.read_bytes() for p in sqlite_files("keystore"))


def test_the_keystore_holds_no_personal_data_and_the_main_database_no_keys(written):
    from lethe.vault.keystore.models import DataKey

    key_blobs = [bytes(w) for w in DataKey.objects.values_list("wrapped", flat=True)]
    assert key_blobs
    main = connections["default"]
    if main.vendor == "sqlite":
        main_bytes = b"".join(p.read_bytes() for p in sqlite_files("default"))
        assert not any(blob in main_bytes for blob in key_blobs)
    tables = set(main.introspection.table_names())
    assert "keystore_datakey" not in tables
    assert (
        set(connections["keystore"].introspection.table_names())
        & {"vault_personalvalue", "vault_subject", "audit_auditevent"}
        == set()
    )
