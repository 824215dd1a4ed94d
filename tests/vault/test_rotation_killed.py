"""A rotation whose process is killed (SIGKILL, no clean-up) resumes with `lethe keys rotate`."""

import os
import re
import subprocess
import sys
import textwrap

import pytest


def lethe_env(data_dir):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("LETHE_", "DJANGO_"))}
    env["LETHE_DATA_DIR"] = str(data_dir)
    return env


def run(args, env):
    return subprocess.run(
        [sys.executable, "-m", "lethe", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )


KILL_MIDWAY = textwrap.dedent(
    """
    import os, signal
    os.environ["DJANGO_SETTINGS_MODULE"] = "lethe.settings"
    from lethe.cli import prepare
    prepare()
    from lethe.vault import keyadmin
    batches = []
    def on_batch(done):
        batches.append(done)
        if len(batches) == 3:
            os.kill(os.getpid(), signal.SIGKILL)
    keyadmin.rotate(batch_size=10, on_batch=on_batch)
    """
)


@pytest.mark.skipif(sys.platform == "win32", reason="SIGKILL")
def test_a_killed_rotation_resumes_and_finishes(tmp_path):
    env = lethe_env(tmp_path / "data")
    assert run(["demo", "--no-serve", "--people", "60"], env).returncode == 0
    # People, records and legal holds of won deals: each has a data key.
    total = int(re.search(r"v1: (\d+) data keys", run(["keys", "status"], env).stdout)[1])
    left = total - 30
    assert left > 0

    killed = subprocess.run([sys.executable, "-c", KILL_MIDWAY], env=env, timeout=180, check=False)
    assert killed.returncode == -9

    status = run(["keys", "status"], env).stdout
    assert f"v1: {left} data keys" in status and "v2: 30 data keys" in status
    assert "rotation to v2 is unfinished" in status

    resumed = run(["keys", "rotate"], env)
    assert resumed.returncode == 0, resumed.stderr
    assert f"resuming rotation to master key v2: {left} data keys" in resumed.stdout

    status = run(["keys", "status"], env).stdout
    assert "current: 2" in status and f"v2: {total} data keys" in status
    assert "unfinished" not in status
