"""The real `lethe audit` commands, run as subprocesses on a fresh demo installation.

Tampering is done the way an attacker with the database file would: with the sqlite3
module, straight on <data dir>/lethe.sqlite3, dropping the append-only triggers first.
"""

from __future__ import annotations

import json
import re
import shutil
import sqlite3
import subprocess
from contextlib import closing
from pathlib import Path

import pytest

from tests.test_cli import assert_one_line_error, clean_env, run


def lethe(data_dir: Path, *args: str) -> subprocess.CompletedProcess:
    return run(list(args), clean_env(data_dir))


def ok(result: subprocess.CompletedProcess) -> str:
    """Assert a run succeeded without a traceback; return its standard output."""
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stdout + result.stderr, result.stderr
    return result.stdout


def checkpoint(data_dir: Path, *args: str) -> int:
    """Run `lethe audit checkpoint`; return the size of the signed tree head."""
    out = ok(lethe(data_dir, "audit", "checkpoint", *args))
    match = re.search(r"checkpoint at #(\d+): root [0-9a-f]{64}", out)
    assert match, out
    return int(match.group(1))


def database(data_dir: Path) -> closing[sqlite3.Connection]:
    return closing(sqlite3.connect(data_dir / "lethe.sqlite3", isolation_level=None))


def event_count(data_dir: Path) -> int:
    with database(data_dir) as db:
        return db.execute("SELECT COUNT(*) FROM audit_auditevent").fetchone()[0]


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    """One installation filled by `lethe demo --no-serve --people 10`."""
    data_dir = tmp_path_factory.mktemp("audit-cli") / "data"
    ok(run(["demo", "--no-serve", "--people", "10"], clean_env(data_dir)))
    assert event_count(data_dir) >= 5
    return data_dir


@pytest.fixture
def data_dir(demo, tmp_path):
    """A private copy of the demo installation, for a test that changes it."""
    copy = tmp_path / "data"
    shutil.copytree(demo, copy)
    return copy


def test_verify_passes_on_the_log_demo_data_wrote_and_against_its_exported_head(data_dir):
    events = event_count(data_dir)
    assert checkpoint(data_dir, "--export", str(data_dir / "head.json")) == events
    head = json.loads((data_dir / "head.json").read_text())
    assert (head["format"], head["tree_size"]) == ("lethe-audit-head/1", events)

    out = ok(lethe(data_dir, "audit", "verify"))
    assert f"audit log verified: {events} events, 1 checkpoints" in out
    out = ok(lethe(data_dir, "audit", "verify", "--against", str(data_dir / "head.json")))
    assert f"consistent with the exported head at #{events}" in out


def test_an_inclusion_proof_checks_and_fails_once_one_of_its_hashes_is_changed(data_dir):
    checkpoint(data_dir)
    proof_file = data_dir / "proof.json"
    proof_file.write_text(ok(lethe(data_dir, "audit", "proof", "3")))
    proof = json.loads(proof_file.read_text())
    assert (proof["kind"], proof["seq"]) == ("inclusion", 3)
    assert proof["proof"], "a tree of several events needs proof hashes"

    out = ok(lethe(data_dir, "audit", "check-proof", str(proof_file)))
    assert out.startswith("proof OK: event #3 is included in the signed tree head")
    key = proof["head"]["public_key"]
    ok(lethe(data_dir, "audit", "check-proof", str(proof_file), "--public-key", key))

    first = proof["proof"][0]
    proof["proof"][0] = ("0" if first[0] != "0" else "1") + first[1:]
    bad = data_dir / "bad-proof.json"
    bad.write_text(json.dumps(proof))
    line = assert_one_line_error(lethe(data_dir, "audit", "check-proof", str(bad)), prefix="lethe:")
    assert "event #3 is not in the tree head" in line


def test_a_proof_checked_against_another_public_key_fails(data_dir):
    checkpoint(data_dir)
    proof_file = data_dir / "proof.json"
    proof_file.write_text(ok(lethe(data_dir, "audit", "proof", "2")))
    result = lethe(data_dir, "audit", "check-proof", str(proof_file), "--public-key", "ab" * 32)
    line = assert_one_line_error(result, prefix="lethe:")
    assert "signature" in line


def test_a_consistency_proof_between_two_checkpoints_checks(data_dir):
    old = checkpoint(data_dir)
    ok(lethe(data_dir, "keys", "rotate"))  # appends a key-rotation event
    new = checkpoint(data_dir)
    assert new == old + 1
    proof_file = data_dir / "consistency.json"
    proof_file.write_text(ok(lethe(data_dir, "audit", "consistency", str(old), str(new))))
    assert json.loads(proof_file.read_text())["kind"] == "consistency"
    out = ok(lethe(data_dir, "audit", "check-proof", str(proof_file)))
    assert f"proof OK: the signed tree head at #{old} is a prefix of the one at #{new}" in out


def test_status_shows_the_last_checkpoint_and_the_last_verification(data_dir):
    out = ok(lethe(data_dir, "audit", "status"))
    assert "last verified: never" in out
    assert "last checkpoint: none" in out
    size = checkpoint(data_dir)
    ok(lethe(data_dir, "audit", "verify"))
    out = ok(lethe(data_dir, "audit", "status"))
    assert f"events: {size}" in out
    assert re.search(r"^last verified: \d{4}-\d\d-\d\d \d\d:\d\d ok$", out, re.M), out
    assert re.search(rf"^last checkpoint: #{size} at \d{{4}}-\d\d-\d\d \d\d:\d\d$", out, re.M), out


def test_an_event_changed_in_the_database_file_fails_verify_naming_that_event(data_dir):
    checkpoint(data_dir)
    with database(data_dir) as db:
        db.execute("DROP TRIGGER audit_auditevent_no_update")
        db.execute("UPDATE audit_auditevent SET actor = 'user:nobody' WHERE seq = 4")
    line = assert_one_line_error(lethe(data_dir, "audit", "verify"), prefix="lethe:")
    assert "#4" in line
    assert "event #4 was altered" in line
    out = ok(lethe(data_dir, "audit", "status"))
    assert re.search(r"^last verified: .* FAILED \(.*#4.*\)$", out, re.M), out


def test_a_tail_cut_off_with_its_checkpoints_passes_verify_but_not_against_the_exported_head(
    data_dir,
):
    head = data_dir / "head.json"
    size = checkpoint(data_dir, "--export", str(head))
    keep = size - 3
    with database(data_dir) as db:
        db.execute("DROP TRIGGER audit_auditevent_no_delete")
        db.execute("DROP TRIGGER audit_checkpoint_no_delete")
        db.execute("BEGIN")
        db.execute("DELETE FROM audit_auditevent WHERE seq > ?", [keep])
        db.execute("DELETE FROM audit_checkpoint")
        (last,) = db.execute("SELECT hash FROM audit_auditevent WHERE seq = ?", [keep]).fetchone()
        db.execute("UPDATE audit_chainhead SET seq = ?, hash = ? WHERE id = 1", [keep, last])
        db.execute("COMMIT")
    assert event_count(data_dir) == keep

    assert f"audit log verified: {keep} events" in ok(lethe(data_dir, "audit", "verify"))
    result = lethe(data_dir, "audit", "verify", "--against", str(head))
    line = assert_one_line_error(result, prefix="lethe:")
    assert f"#{keep + 1}" in line
    assert "cut off" in line


def test_a_proof_of_an_event_that_does_not_exist_fails_with_one_line(data_dir):
    checkpoint(data_dir)
    line = assert_one_line_error(lethe(data_dir, "audit", "proof", "999999"), prefix="lethe:")
    assert "#999999" in line


def test_a_proof_of_an_event_no_checkpoint_covers_yet_fails_with_one_line(data_dir):
    line = assert_one_line_error(lethe(data_dir, "audit", "proof", "1"), prefix="lethe:")
    assert "no checkpoint covers event #1" in line


def test_checking_a_proof_file_that_does_not_exist_fails_with_one_line(demo):
    result = lethe(demo, "audit", "check-proof", "/nonexistent")
    line = assert_one_line_error(result, prefix="lethe:")
    assert "/nonexistent" in line


@pytest.mark.parametrize(
    "content",
    ["this is not JSON\n", '{"format": "lethe-audit-head/1"}', "", '{"format": "other"}'],
    ids=["garbage", "fields-missing", "empty", "other-format"],
)
def test_verify_against_a_file_that_is_not_an_exported_head_fails_with_one_line(
    demo, tmp_path, content
):
    head = tmp_path / "head.json"
    head.write_text(content)
    result = lethe(demo, "audit", "verify", "--against", str(head))
    line = assert_one_line_error(result, prefix="lethe:")
    assert str(head) in line
    assert "not a valid exported audit head" in line


def test_checking_a_file_that_is_not_a_proof_fails_with_one_line(demo, tmp_path):
    bad = tmp_path / "proof.json"
    bad.write_text("[1, 2, 3]")
    line = assert_one_line_error(lethe(demo, "audit", "check-proof", str(bad)), prefix="lethe:")
    assert "proof" in line
