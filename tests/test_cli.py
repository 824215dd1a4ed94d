"""The real `lethe` command, run as a subprocess on its own fresh SQLite installation.

Every test gets a private data dir (LETHE_DATA_DIR) and an environment with no
inherited LETHE_* variables and no DJANGO_SETTINGS_MODULE, so it sees exactly what a
user's shell would. Tests that only read an installation share one made by
`lethe init`; tests that change one work on a copy of it.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import shutil
import signal
import socket
import stat
import subprocess
import sys
from pathlib import Path

import pytest

TIMEOUT = 60
ADMIN_EMAIL = "admin@lethe.example"
PASSWORD_LINE = re.compile(r"admin password \(shown once\): (\S+)")


def clean_env(data_dir: Path, **extra: str) -> dict[str, str]:
    """Return os.environ without LETHE_* and DJANGO_SETTINGS_MODULE, plus the data dir."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith("LETHE_") and k != "DJANGO_SETTINGS_MODULE"
    }
    env["LETHE_DATA_DIR"] = str(data_dir)
    env.update(extra)
    return env


def run(
    args: list[str], env: dict[str, str], *, timeout: float = TIMEOUT, **kw
) -> subprocess.CompletedProcess:
    """Run `python -m lethe ARGS`; on timeout kill its whole process group and re-raise."""
    cmd = [sys.executable, "-m", "lethe", *args]
    with subprocess.Popen(
        cmd,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        stdin=subprocess.DEVNULL,
        text=True,
        start_new_session=True,
        **kw,
    ) as proc:
        try:
            stdout, stderr = proc.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.communicate()
            raise
    return subprocess.CompletedProcess(cmd, proc.returncode, stdout, stderr)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def secret_key() -> str:
    """A random 60-character secret key that passes the production check."""
    return secrets.token_urlsafe(45)[:60]


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def assert_one_line_error(result: subprocess.CompletedProcess, *, prefix: str = "") -> str:
    """Assert a failed run printed exactly one line on stderr and no traceback; return it."""
    assert result.returncode != 0, result
    assert "Traceback" not in result.stdout + result.stderr, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, f"expected one line on stderr, got: {result.stderr!r}"
    assert lines[0].startswith(prefix), lines[0]
    return lines[0]


def parse_status(output: str) -> tuple[list[int], int, dict[int, int]]:
    """Parse `lethe keys status` into (versions, current, data keys per version)."""
    header = re.search(r"master key versions: ([\d, ]+) \(current: (\d+)\)", output)
    assert header, output
    versions = [int(v) for v in header.group(1).split(",")]
    counts = {int(v): int(n) for v, n in re.findall(r"^\s+v(\d+): (\d+) data keys?$", output, re.M)}
    return versions, int(header.group(2)), counts


def keys_status(data_dir: Path) -> tuple[list[int], int, dict[int, int]]:
    result = run(["keys", "status"], clean_env(data_dir))
    assert result.returncode == 0, result.stderr
    return parse_status(result.stdout)


@pytest.fixture(scope="module")
def initialised(tmp_path_factory):
    """One installation made by a plain `lethe init` (admin password generated)."""
    data_dir = tmp_path_factory.mktemp("cli") / "data"
    result = run(["init"], clean_env(data_dir))
    assert result.returncode == 0, result.stderr
    return data_dir, result


@pytest.fixture
def copy_of(initialised, tmp_path):
    """A private copy of the shared installation, for a test that changes it."""
    data_dir = tmp_path / "data"
    shutil.copytree(initialised[0], data_dir)
    return data_dir


# --- help -------------------------------------------------------------------------


@pytest.mark.parametrize("args", [[], ["--help"]], ids=["no-args", "--help"])
def test_lethe_and_lethe_help_print_the_short_help_listing_the_commands(tmp_path, args):
    result = run(args, clean_env(tmp_path / "data"))
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("usage: lethe")
    commands = {line.split()[0] for line in result.stdout.splitlines() if line.startswith("  ")}
    assert {"init", "demo", "serve", "keys"} <= commands
    assert "Traceback" not in result.stderr


def test_keys_help_exits_0_and_names_status_and_rotate(tmp_path):
    result = run(["keys", "--help"], clean_env(tmp_path / "data"))
    assert result.returncode == 0, result.stderr
    assert "status" in result.stdout
    assert "rotate" in result.stdout


# --- init -------------------------------------------------------------------------


def test_init_creates_a_private_data_dir_and_key_files(initialised):
    data_dir, result = initialised
    assert mode(data_dir) == 0o700
    for name in ("master.key", "index.key"):
        assert (data_dir / name).is_file(), name
        assert mode(data_dir / name) == 0o600, name
    assert f"created admin {ADMIN_EMAIL}" in result.stdout


def test_init_prints_the_admin_password_exactly_once(initialised):
    _, result = initialised
    passwords = PASSWORD_LINE.findall(result.stdout)
    assert len(passwords) == 1, result.stdout
    assert len(passwords[0]) >= 12
    assert result.stdout.count(passwords[0]) == 1
    assert passwords[0] not in result.stderr


def test_a_second_init_creates_no_admin_and_prints_no_password(copy_of):
    master = (copy_of / "master.key").read_bytes()
    result = run(["init"], clean_env(copy_of))
    assert result.returncode == 0, result.stderr
    assert "no admin created" in result.stdout
    assert "created admin" not in result.stdout
    assert "password" not in result.stdout + result.stderr
    assert "created key file" not in result.stdout
    assert (copy_of / "master.key").read_bytes() == master


def test_init_uses_lethe_admin_password_and_does_not_print_it(tmp_path):
    data_dir = tmp_path / "data"
    password = "correct-horse-battery-" + secrets.token_hex(4)
    result = run(["init"], clean_env(data_dir, LETHE_ADMIN_PASSWORD=password))
    assert result.returncode == 0, result.stderr
    assert f"created admin {ADMIN_EMAIL}" in result.stdout
    assert "password" not in result.stdout
    assert password not in result.stdout + result.stderr
    # The admin can log in with it (and not with another password).
    check = (
        "from django.contrib.auth import authenticate as a; "
        f"print('login', a(username={ADMIN_EMAIL!r}, password={password!r}) is not None, "
        f"a(username={ADMIN_EMAIL!r}, password={password + 'x'!r}) is not None)"
    )
    login = run(["shell", "-c", check], clean_env(data_dir))
    assert login.returncode == 0, login.stderr
    assert "login True False" in login.stdout


def test_init_with_a_too_short_lethe_admin_password_fails_with_one_line(tmp_path):
    result = run(["init"], clean_env(tmp_path / "data", LETHE_ADMIN_PASSWORD="short"))
    line = assert_one_line_error(result)
    assert "password" in line
    assert "too short" in line
    assert "created admin" not in result.stdout


# --- key files --------------------------------------------------------------------


def _missing_master(data_dir: Path) -> None:
    (data_dir / "master.key").unlink()


def _truncated_master(data_dir: Path) -> None:
    path = data_dir / "master.key"
    raw = path.read_bytes()
    path.write_bytes(raw[: len(raw) // 2])


def _corrupted_master(data_dir: Path) -> None:
    """Change one character of the key material; the file stays valid JSON."""
    path = data_dir / "master.key"
    document = json.loads(path.read_text())
    key = document["versions"]["1"]
    document["versions"]["1"] = ("B" if key[0] == "A" else "A") + key[1:]
    path.write_text(json.dumps(document, indent=2, sort_keys=True) + "\n")
    json.loads(path.read_text())  # still valid JSON


def _world_readable_master(data_dir: Path) -> None:
    (data_dir / "master.key").chmod(0o644)


def _missing_index(data_dir: Path) -> None:
    (data_dir / "index.key").unlink()


def _master_is_a_directory(data_dir: Path) -> None:
    path = data_dir / "master.key"
    path.unlink()
    path.mkdir(mode=0o700)


def _unreadable_master(data_dir: Path) -> None:
    if os.geteuid() == 0:
        pytest.skip("running as root: chmod 000 does not make a file unreadable")
    (data_dir / "master.key").chmod(0o000)


KEY_DAMAGE = {
    "master-missing": (_missing_master, "missing"),
    "master-truncated": (_truncated_master, "corrupt or truncated"),
    "master-corrupted-byte": (_corrupted_master, "corrupt"),
    "master-world-readable": (_world_readable_master, "readable by other users"),
    "index-missing": (_missing_index, "missing"),
    "master-is-a-directory": (_master_is_a_directory, "not a regular file"),
    "master-unreadable": (_unreadable_master, "cannot be read"),
}


@pytest.mark.parametrize("damage", list(KEY_DAMAGE), ids=list(KEY_DAMAGE))
def test_a_bad_key_file_stops_every_command_with_one_lethe_line_and_exit_2(copy_of, damage):
    harm, expected = KEY_DAMAGE[damage]
    harm(copy_of)
    file = "index key file" if damage.startswith("index") else "master key file"
    for args in (["keys", "status"], ["migrate", "--check"], ["showmigrations"]):
        result = run(args, clean_env(copy_of))
        assert result.returncode == 2, (args, result.stderr)
        line = assert_one_line_error(result, prefix="lethe:")
        assert file in line, line
        assert expected in line, line
        assert result.stdout == "", (args, result.stdout)


# --- production -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("extra", "expected"),
    [
        ({"LETHE_DEBUG": "1", "LETHE_SECRET_KEY": secret_key()}, "LETHE_DEBUG"),
        ({}, "LETHE_SECRET_KEY"),
        ({"LETHE_SECRET_KEY": "short-secret-key"}, "LETHE_SECRET_KEY"),
        ({"LETHE_SECRET_KEY": "django-insecure-" + "x" * 60}, "LETHE_SECRET_KEY"),
    ],
    ids=["debug-on", "no-secret-key", "short-secret-key", "django-insecure-key"],
)
def test_production_refuses_to_start_with_debug_or_without_a_real_secret_key(
    initialised, extra, expected
):
    env = clean_env(initialised[0], LETHE_ENV="production", **extra)
    for args in (["keys", "status"], ["serve", "--port", "1"]):
        result = run(args, env)
        assert result.returncode == 2, (args, result.stderr)
        line = assert_one_line_error(result, prefix="lethe:")
        assert expected in line, line


@pytest.fixture(scope="module")
def production(tmp_path_factory):
    """An installation made by `lethe init` with LETHE_ENV=production."""
    data_dir = tmp_path_factory.mktemp("cli-production") / "data"
    key = secret_key()
    result = run(["init"], clean_env(data_dir, LETHE_ENV="production", LETHE_SECRET_KEY=key))
    assert result.returncode == 0, result.stderr
    assert "production data" in result.stdout
    return data_dir, key


def test_production_serve_without_tls_or_trusted_proxy_refuses_to_start(production):
    data_dir, key = production
    env = clean_env(data_dir, LETHE_ENV="production", LETHE_SECRET_KEY=key)
    # If it started serving instead, the timeout would end the test as a failure.
    result = run(["serve", "--port", str(free_port()), "--workers", "1"], env, timeout=30)
    assert result.returncode == 2, result.stderr
    line = assert_one_line_error(result, prefix="lethe:")
    assert "TLS" in line
    assert "LETHE_TRUSTED_PROXY" in line
    assert "serving" not in result.stdout


def test_a_production_database_refuses_lethe_env_development(production):
    data_dir, key = production
    ok = run(["keys", "status"], clean_env(data_dir, LETHE_ENV="production", LETHE_SECRET_KEY=key))
    assert ok.returncode == 0, ok.stderr
    result = run(["keys", "status"], clean_env(data_dir, LETHE_ENV="development"))
    assert result.returncode == 2, result.stderr
    line = assert_one_line_error(result, prefix="lethe:")
    assert "marked as production data" in line


def test_a_synthetic_database_refuses_lethe_env_production(initialised):
    env = clean_env(initialised[0], LETHE_ENV="production", LETHE_SECRET_KEY=secret_key())
    result = run(["keys", "status"], env)
    assert result.returncode == 2, result.stderr
    line = assert_one_line_error(result, prefix="lethe:")
    assert "marked synthetic" in line


# --- keys and demo ----------------------------------------------------------------


def test_keys_status_after_init_shows_master_key_version_1(initialised):
    versions, current, counts = keys_status(initialised[0])
    assert versions == [1]
    assert current == 1
    assert counts == {1: 0}


def test_rotation_and_demo_data_keep_every_data_key_at_the_current_version(copy_of):
    env = clean_env(copy_of)
    rotate = run(["keys", "rotate"], env)
    assert rotate.returncode == 0, rotate.stderr
    assert "master key v2" in rotate.stdout
    assert keys_status(copy_of) == ([1, 2], 2, {1: 0, 2: 0})

    demo = run(["demo", "--no-serve", "--people", "20"], env)
    assert demo.returncode == 0, demo.stderr
    assert "Lethe demo: http://127.0.0.1:8000/" in demo.stdout
    login = re.search(r"log in as <role>@lethe\.example with password (\S+)", demo.stdout)
    assert login, demo.stdout
    assert len(login.group(1)) >= 12
    roles = re.search(r"roles: (.+)", demo.stdout)
    assert roles, demo.stdout
    assert {"admin", "sales", "dpo"} <= {r.strip() for r in roles.group(1).split(",")}
    assert "serving" not in demo.stdout
    assert keys_status(copy_of) == ([1, 2], 2, {1: 0, 2: 20})

    rotate = run(["keys", "rotate"], env)
    assert rotate.returncode == 0, rotate.stderr
    assert "20 data keys to rewrap" in rotate.stdout
    assert keys_status(copy_of) == ([1, 2, 3], 3, {1: 0, 2: 0, 3: 20})


# --- bad input --------------------------------------------------------------------


def test_serve_with_an_out_of_range_port_fails_with_one_line(initialised):
    result = run(["serve", "--port", "70000"], clean_env(initialised[0]), timeout=30)
    line = assert_one_line_error(result)
    assert "--port" in line
    assert "70000" in line


def test_demo_with_a_negative_contact_count_fails_with_one_line(copy_of):
    result = run(["demo", "--contacts", "-1", "--no-serve"], clean_env(copy_of), timeout=30)
    line = assert_one_line_error(result)
    assert "--contacts" in line
    assert "Lethe demo" not in result.stdout


def test_an_unknown_command_fails_without_a_traceback(initialised):
    result = run(["frobnicate"], clean_env(initialised[0]))
    assert result.returncode != 0
    assert "Traceback" not in result.stdout + result.stderr
    assert "frobnicate" in result.stderr
