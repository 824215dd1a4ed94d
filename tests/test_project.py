"""Project hygiene that CI enforces: migrations match the models, deploy checks pass."""

import os
import secrets
import subprocess
import sys
from io import StringIO

import pytest
from django.core.management import call_command


@pytest.mark.django_db(databases=["default", "keystore"])
def test_every_model_change_has_a_migration():
    out = StringIO()
    call_command("makemigrations", check=True, dry_run=True, stdout=out)


def test_the_deploy_check_passes_under_production_settings(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("LETHE_", "DJANGO_"))}
    env.update(
        LETHE_ENV="production",
        LETHE_DATA_DIR=str(tmp_path / "data"),
        LETHE_SECRET_KEY=secrets.token_urlsafe(50),
        LETHE_TRUSTED_PROXY="1",
    )
    for args in (["init"], ["check", "--deploy", "--fail-level", "WARNING"]):
        result = subprocess.run(
            [sys.executable, "-m", "lethe", *args],
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        assert result.returncode == 0, result.stderr
