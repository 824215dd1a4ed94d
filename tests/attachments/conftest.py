"""Sample files, records to attach them to, and an empty attachment store for each test."""

from __future__ import annotations

import io
import shutil
import zipfile
from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile

from lethe.companies.models import Company
from lethe.contacts.actions import create_contact
from lethe.deals.models import Deal, Stage
from lethe.vault.policy import Actor, Purpose

SYSTEM = Actor.system("tests")
# Distinctive content and names, so a scan of the raw bytes can look for them.
PDF = b"%PDF-1.7\n1 0 obj\n<< /Title (Offert Kvartalsavtal Norrsken) >>\nendobj\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(17)
EXE_NAME = "verktyg.exe"
TEXT = "Mötesanteckning: budgeten för Norrskensprojektet är godkänd.\n".encode()


def office(*names: str, mimetype: str | None = None) -> bytes:
    """Return a minimal zip-based office document with these member names."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        if mimetype:
            archive.writestr("mimetype", mimetype)
        for name in names:
            archive.writestr(name, "<x/>")
    return buffer.getvalue()


DOCX = office("[Content_Types].xml", "_rels/.rels", "word/document.xml")
XLSX = office("[Content_Types].xml", "_rels/.rels", "xl/workbook.xml")
ODT = office("content.xml", mimetype="application/vnd.oasis.opendocument.text")


def store_root() -> Path:
    return settings.CONFIG.data_dir / "attachments"


def stored_files() -> list[Path]:
    root = store_root()
    return sorted(p for p in root.rglob("*") if p.is_file()) if root.exists() else []


@pytest.fixture(autouse=True)
def empty_store():
    shutil.rmtree(store_root(), ignore_errors=True)
    yield
    shutil.rmtree(store_root(), ignore_errors=True)


def upload_file(name: str, data: bytes, content_type: str = "application/octet-stream"):
    return SimpleUploadedFile(name, data, content_type=content_type)


def api_path(kind: str, object_id, attachment_id=None) -> str:
    path = f"/api/v1/attachments/{kind}/{object_id}"
    return f"{path}/{attachment_id}" if attachment_id else path


def upload(client, kind, object_id, name="Offert Norrsken.pdf", data=PDF, **kwargs):
    """Upload one file through the API as multipart."""
    return client.post(api_path(kind, object_id), {"file": upload_file(name, data, **kwargs)})


def make_contact(owner=None, **personal):
    personal = personal or {"first_name": "Åsa", "last_name": "Öström"}
    return create_contact(SYSTEM, Purpose.CUSTOMER_RELATIONSHIP, personal, {"owner": owner})


def make_company():
    return Company.objects.create(name="Norrsken AB")


def make_deal():
    first = Stage.objects.order_by("pipeline", "position").first()
    return Deal.objects.create(title="Norrsken pilot", pipeline=first.pipeline, stage=first)


def make_activity(**links):
    from django.utils import timezone

    from lethe.activities.models import Activity

    return Activity.objects.create(kind="note", occurred_at=timezone.now(), **links)


@pytest.fixture
def record_of():
    """Return a function making a record of a kind the user (a salesperson) may write."""

    def make(kind: str, user):
        if kind == "contact":
            return make_contact(user)
        if kind == "company":
            return make_company()
        if kind == "activity":  # about a person the user owns: the person's file
            return make_activity(contact=make_contact(user), owner=user)
        return make_deal()

    return make
