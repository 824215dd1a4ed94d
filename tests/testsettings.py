"""Settings for the test suite: LETHE_ENV=test and a private data dir with fresh key files.

The data dir is always a new temporary one, so a developer's own LETHE_DATA_DIR
(and its keys) is never touched by the tests.
"""

import atexit
import os
import shutil
import tempfile

_data_dir = tempfile.mkdtemp(prefix="lethe-test-")
atexit.register(shutil.rmtree, _data_dir, ignore_errors=True)
os.environ["LETHE_ENV"] = "test"
os.environ["LETHE_DATA_DIR"] = _data_dir
for _name in (
    "LETHE_MASTER_KEY_FILE",
    "LETHE_INDEX_KEY_FILE",
    "LETHE_DEBUG",
    "LETHE_TLS_CERT",
    "LETHE_TLS_KEY",
    "LETHE_SECRET_KEY",
    "LETHE_TRUSTED_PROXY",
    "LETHE_TRUSTED_PROXIES",
):
    os.environ.pop(_name, None)

from lethe.settings import *  # noqa: E402, F403
