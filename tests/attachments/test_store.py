"""The file store: random names, private modes, atomic writes; uploads never spill to disk."""

import uuid
from dataclasses import replace

import pytest
from django.conf import settings as django_settings

from lethe import config
from lethe.attachments.store import BlobMissing, FileStore, get_store
from tests.attachments.conftest import PDF, make_company, store_root, upload
from tests.conftest import ALL
from tests.helpers import client_with as signed_in


def test_files_are_private_and_written_whole(tmp_path):
    store = FileStore(tmp_path / "attachments")
    blob = uuid.uuid4()
    store.put(blob, b"sealed")
    path = tmp_path / "attachments" / str(blob)[:2] / str(blob)
    assert path.read_bytes() == b"sealed" and store.get(blob) == b"sealed"
    assert path.stat().st_mode & 0o777 == 0o600
    assert (tmp_path / "attachments").stat().st_mode & 0o777 == 0o700
    assert [p.name for p in path.parent.iterdir()] == [str(blob)]  # no temporary left
    store.delete(blob)
    store.delete(blob)  # deleting twice is fine
    with pytest.raises(BlobMissing):
        store.get(blob)


def test_a_blob_id_is_never_a_path(tmp_path):
    store = FileStore(tmp_path)
    with pytest.raises(ValueError):
        store.put("../../etc/passwd", b"x")


def test_the_store_and_limit_come_from_the_environment(tmp_path):
    loaded = config.load({"LETHE_DATA_DIR": str(tmp_path)})
    assert (loaded.attachment_store, loaded.attachment_max_bytes) == ("file", 10 * 1024 * 1024)
    loaded = config.load({"LETHE_DATA_DIR": str(tmp_path), "LETHE_ATTACHMENT_MAX_BYTES": "5"})
    assert loaded.attachment_max_bytes == 5
    with pytest.raises(config.ConfigError, match="LETHE_ATTACHMENT_STORE"):
        config.load({"LETHE_DATA_DIR": str(tmp_path), "LETHE_ATTACHMENT_STORE": "ftp"})
    with pytest.raises(config.ConfigError, match="LETHE_ATTACHMENT_MAX_BYTES"):
        config.load({"LETHE_DATA_DIR": str(tmp_path), "LETHE_ATTACHMENT_MAX_BYTES": "0"})
    assert get_store().root == store_root()


@pytest.mark.django_db(databases=ALL)
def test_an_upload_past_the_limit_is_counted_not_kept_nor_spooled(settings, tmp_path):
    settings.CONFIG = replace(django_settings.CONFIG, attachment_max_bytes=len(PDF))
    settings.FILE_UPLOAD_MAX_MEMORY_SIZE = 10  # Django alone would spool this to a file
    settings.FILE_UPLOAD_TEMP_DIR = str(tmp_path)
    client, _ = signed_in("sales")
    company = make_company()
    assert upload(client, "company", company.pk, data=PDF).status_code == 201
    response = upload(client, "company", company.pk, data=PDF + b"x" * 100_000)
    assert response.status_code == 400
    assert response.json()["errors"]["file"] == [f"the file is larger than {len(PDF)} bytes"]
    assert list(tmp_path.iterdir()) == []
