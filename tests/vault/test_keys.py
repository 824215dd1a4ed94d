"""Key files, data keys and KEK rotation (including a rotation that stops halfway)."""

import json
import os
import shutil

import pytest
from django.conf import settings

from lethe.vault import gate, keyring, keys
from lethe.vault.errors import IntegrityError, KeyFileError
from lethe.vault.keystore.models import DataKey, Rotation
from lethe.vault.policy import Purpose, Role
from tests.conftest import ALL, actor

CR = Purpose.CUSTOMER_RELATIONSHIP


@pytest.fixture
def master_copy(tmp_path):
    """Keep the suite's master key file as it was, whatever a test does to it."""
    path = settings.CONFIG.master_key_file
    saved = tmp_path / "master.key.saved"
    shutil.copy2(path, saved)
    yield path
    shutil.copy(saved, path)  # a new mtime, so cached keys are re-read
    os.chmod(path, 0o600)


@pytest.fixture
def dpo(relations):
    relations.open_cases.add("K-1")
    return actor(Role.DPO, case="K-1")


class TestKeyFiles:
    def test_a_new_master_key_file_is_private_and_has_version_1(self, tmp_path):
        path = tmp_path / "master.key"
        master = keyring.create_master(path)
        assert master.current == 1 and len(master.kek(1)) == 32
        assert oct(path.stat().st_mode & 0o777) == "0o600"

    def test_an_existing_key_file_is_never_overwritten(self, tmp_path):
        path = tmp_path / "master.key"
        keyring.create_master(path)
        with pytest.raises(KeyFileError, match="already exists"):
            keyring.create_master(path)

    @pytest.mark.parametrize(
        ("damage", "message"),
        [
            (lambda p: p.write_bytes(p.read_bytes()[: len(p.read_bytes()) // 2]), "corrupt"),
            (
                lambda p: p.write_text(p.read_text().replace('"current": 1', '"current": 2')),
                "corrupt",
            ),
            (lambda p: p.unlink(), "missing"),
            (lambda p: p.chmod(0o644), "readable by other users"),
            (lambda p: p.write_text("[]"), "corrupt"),
        ],
        ids=["truncated", "edited", "missing", "world-readable", "not-a-key-file"],
    )
    def test_a_damaged_master_key_file_is_refused_in_one_line(self, tmp_path, damage, message):
        path = tmp_path / "master.key"
        keyring.create_master(path)
        damage(path)
        with pytest.raises(KeyFileError, match=message) as error:
            keyring.load_master(path)
        assert "\n" not in str(error.value)

    def test_a_key_with_a_flipped_character_fails_its_checksum(self, tmp_path):
        path = tmp_path / "index.key"
        keyring.create_index_key(path)
        document = json.loads(path.read_text())
        key = document["key"]
        document["key"] = ("B" if key[0] != "B" else "C") + key[1:]
        path.write_text(json.dumps(document))
        with pytest.raises(KeyFileError, match="corrupt"):
            keyring.load_index_key(path)


@pytest.mark.django_db(databases=ALL)
class TestDataKeys:
    def test_a_data_key_is_bound_to_its_subject_and_scope(self, system, people):
        one, two = gate.create_subjects(system, CR, people(2))
        a = DataKey.objects.get(subject=one.id)
        b = DataKey.objects.get(subject=two.id)
        a.wrapped, b.wrapped = b.wrapped, a.wrapped
        a.save()
        with pytest.raises(IntegrityError, match="data key"):
            keys.unwrap_many([(one.id, "default")])

    def test_each_subject_has_its_own_random_key(self, system, people):
        subjects = gate.create_subjects(system, CR, people(5))
        found = keys.unwrap_many((s.id, "default") for s in subjects)
        assert len(set(found.values())) == 5


@pytest.mark.django_db(databases=ALL, transaction=True)
class TestRotation:
    def test_data_written_before_a_rotation_reads_back_after_it(
        self, master_copy, system, people, dpo
    ):
        persons = people(12, seed=4)
        subjects = gate.create_subjects(system, CR, persons)
        rotation = keys.rotate(batch_size=5)
        assert rotation.rewrapped == 12
        assert set(DataKey.objects.values_list("kek_version", flat=True)) == {rotation.version}
        data = gate.read(dpo, subjects, Purpose.DATA_SUBJECT_REQUEST)
        assert [data[s.id]["last_name"] for s in subjects] == [p["last_name"] for p in persons]

    def test_a_rotation_stopped_halfway_resumes_and_finishes(
        self, master_copy, system, people, dpo
    ):
        subjects = gate.create_subjects(system, CR, people(20, seed=8))
        old = keyring.load_master(master_copy).current
        seen = []

        def crash_after_two_batches(done):
            seen.append(done)
            if len(seen) == 2:
                raise KeyboardInterrupt

        with pytest.raises(KeyboardInterrupt):
            keys.rotate(batch_size=4, on_batch=crash_after_two_batches)
        versions = list(DataKey.objects.values_list("kek_version", flat=True))
        assert versions.count(old + 1) == 8 and versions.count(old) == 12
        assert keys.status().unfinished_rotation == old + 1
        # Half-rotated keys are all readable.
        assert gate.read(dpo, subjects, Purpose.DATA_SUBJECT_REQUEST)[subjects[-1].id]["email"]

        starts = []
        finished = keys.rotate(batch_size=4, on_start=lambda *a: starts.append(a))
        assert starts == [(old + 1, 12, True)]  # resumed: no third KEK version
        assert finished.version == old + 1 and finished.finished_at
        assert keyring.load_master(master_copy).current == old + 1
        assert set(DataKey.objects.values_list("kek_version", flat=True)) == {old + 1}
        assert not Rotation.objects.filter(finished_at__isnull=True).exists()
        data = gate.read(dpo, subjects, Purpose.DATA_SUBJECT_REQUEST)
        assert all(isinstance(d["last_name"], str) for d in data.values())

    def test_shredded_keys_stay_shredded_through_a_rotation(self, master_copy, system, people):
        victim, other = gate.create_subjects(system, CR, people(2, seed=2))
        gate.shred(system, victim, reason="test")
        keys.rotate()
        found = keys.unwrap_many([(victim.id, "default"), (other.id, "default")])
        assert found[(victim.id, "default")] is None
        assert found[(other.id, "default")] is not None
