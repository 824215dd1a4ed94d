"""Demo attachments: the store holds only ciphertext of them."""

import random

import pytest
from faker import Faker

from lethe.attachments import actions, demo, filetypes
from lethe.attachments.models import Attachment
from lethe.vault.policy import Actor
from tests.attachments.conftest import make_contact, stored_files
from tests.conftest import ALL

pytestmark = pytest.mark.django_db(databases=ALL)


def test_demo_attachments_are_sealed_in_the_store(monkeypatch):
    for _ in range(12):
        make_contact()
    uploaded = []
    real_upload = actions.upload

    def spy(actor, purpose, record, name, data, **kwargs):
        uploaded.append((name, data))
        return real_upload(actor, purpose, record, name, data, **kwargs)

    monkeypatch.setattr(actions, "upload", spy)
    count = demo.fill(Actor.system("demo"), random.Random(1), Faker("sv_SE"), every=2)
    assert count == Attachment.objects.count() == 6
    assert {filetypes.detect(data) for _, data in uploaded} == {"text/plain", "application/pdf"}
    raw = b"".join(path.read_bytes() for path in stored_files())
    for name, data in uploaded:
        assert name.encode() not in raw
        for start in range(0, len(data) - 16, 16):
            assert data[start : start + 16] not in raw
