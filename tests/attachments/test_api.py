"""Attachments through the API: upload, list, download, delete; refusals write nothing."""

from dataclasses import replace

import pytest
from django.conf import settings as django_settings
from django.db import connections
from django.test.utils import CaptureQueriesContext

from lethe.attachments.models import Attachment
from lethe.core import records
from lethe.vault import gate
from lethe.vault.models import Document, RecordKey
from lethe.vault.policy import Actor
from tests.attachments.conftest import (
    DOCX,
    EXE_NAME,
    PDF,
    PNG,
    TEXT,
    api_path,
    make_company,
    make_contact,
    make_deal,
    stored_files,
    upload,
)
from tests.conftest import ALL
from tests.helpers import client_with as signed_in

pytestmark = pytest.mark.django_db(databases=ALL)

KINDS = ["contact", "company", "deal", "activity"]


@pytest.mark.parametrize("kind", KINDS)
def test_a_file_goes_up_is_listed_comes_down_and_is_deleted(kind, record_of):
    client, user = signed_in("sales")
    record = record_of(kind, user)
    response = upload(client, kind, record.pk, "Offert Norrsken.pdf", PDF, content_type="text/html")
    assert response.status_code == 201, response.content
    created = response.json()
    assert created["name"] == "Offert Norrsken.pdf"
    assert created["content_type"] == "application/pdf"  # read from the bytes, not declared
    assert created["size"] == len(PDF)
    listed = client.get(api_path(kind, record.pk)).json()
    assert listed["count"] == 1
    assert [r["name"] for r in listed["results"]] == ["Offert Norrsken.pdf"]
    download = client.get(created["url"])
    assert download.status_code == 200
    assert download.content == PDF
    assert download["Content-Type"] == "application/pdf"
    assert download["Content-Disposition"].startswith("attachment;")
    assert download["X-Content-Type-Options"] == "nosniff"
    assert download["Cache-Control"] == "no-store"
    assert len(stored_files()) == 1
    deleted = client.delete(api_path(kind, record.pk, created["id"]))
    assert deleted.status_code == 204
    assert not Attachment.objects.exists()
    assert client.get(created["url"]).status_code == 404


def test_the_deleted_file_leaves_the_store_once_committed(django_capture_on_commit_callbacks):
    client, _ = signed_in("sales")
    company = make_company()
    created = upload(client, "company", company.pk).json()
    with django_capture_on_commit_callbacks(execute=True):
        client.delete(api_path("company", company.pk, created["id"]))
    assert stored_files() == []


def test_a_utf8_name_downloads_under_rfc_6266_names():
    client, _ = signed_in("sales")
    company = make_company()
    created = upload(client, "company", company.pk, "CV Anna Öström.pdf").json()
    header = client.get(created["url"])["Content-Disposition"]
    assert header == (
        'attachment; filename="CV Anna Ostrom.pdf"; '
        "filename*=UTF-8''CV%20Anna%20%C3%96str%C3%B6m.pdf"
    )


@pytest.mark.parametrize(
    ("name", "data", "content_type"),
    [
        (
            "Avtal.docx",
            DOCX,
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        ),
        ("bild.png", PNG, "image/png"),
        ("anteckning.txt", TEXT, "text/plain"),
        ("lista.csv", b"namn;belopp\nNorrsken;1200\n", "text/csv"),
    ],
)
def test_allowed_types_are_stored_with_the_type_read_from_their_bytes(name, data, content_type):
    client, _ = signed_in("sales")
    company = make_company()
    response = upload(client, "company", company.pk, name, data)
    assert response.status_code == 201, response.content
    assert response.json()["content_type"] == content_type


def test_the_store_and_the_database_hold_neither_content_nor_name():
    client, user = signed_in("sales")
    contact = make_contact(user)
    name = "CV Anna Öström Norrskensprojektet.txt"
    assert upload(client, "contact", contact.pk, name, TEXT).status_code == 201
    files = stored_files()
    assert len(files) == 1
    raw = files[0].read_bytes()
    for needle in (TEXT, b"Norrskensprojektet", name.encode(), "Öström".encode()):
        assert needle not in raw
    attachment = Attachment.objects.get()
    assert files[0].name == str(attachment.blob)  # a random name, never the file's
    assert files[0].stat().st_mode & 0o777 == 0o600
    assert files[0].parent.stat().st_mode & 0o777 == 0o700
    rows = list(Attachment.objects.values_list())
    assert "Norrskensprojektet" not in repr(rows)
    assert b"Norrskensprojektet" not in bytes(Document.objects.get().ciphertext)


def test_too_large_is_refused_naming_the_file(settings):
    settings.CONFIG = replace(django_settings.CONFIG, attachment_max_bytes=len(PDF) - 1)
    client, _ = signed_in("sales")
    company = make_company()
    response = upload(client, "company", company.pk)
    assert response.status_code == 400
    assert "larger than" in response.json()["errors"]["file"][0]
    assert_nothing_written()


def assert_nothing_written(documents: int = 0):
    assert not Attachment.objects.exists()
    assert Document.objects.count() == documents
    assert not RecordKey.objects.exists()
    assert stored_files() == []


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        ("tom.pdf", b"", "empty"),
        (EXE_NAME, b"MZ\x90\x00" + bytes(60), "not allowed"),
        ("bild.svg", b'<svg xmlns="http://www.w3.org/2000/svg"></svg>', "not allowed"),
        ("sida.txt", b"<!DOCTYPE html><script>alert(1)</script>", "not allowed"),
        ("arkiv.zip", b"PK\x03\x04" + bytes(40), "not allowed"),
        ("Offert.png", PDF, "must end in .pdf"),
        ("Offert", PDF, "must end in .pdf"),
    ],
)
def test_bad_files_are_refused_naming_the_file_and_nothing_is_written(name, data, message):
    client, _ = signed_in("sales")
    company = make_company()
    response = upload(client, "company", company.pk, name, data)
    assert response.status_code == 400, response.content
    assert message in response.json()["errors"]["file"][0]
    assert_nothing_written()


def test_a_request_without_a_file_names_the_file_field():
    client, _ = signed_in("sales")
    company = make_company()
    response = client.post(api_path("company", company.pk), {"note": "no file"})
    assert response.status_code == 400
    assert list(response.json()["errors"]) == ["file"]
    assert_nothing_written()


def test_unknown_records_and_kinds_are_404_naming_the_field():
    client, _ = signed_in("sales")
    response = upload(client, "company", 999999)
    assert response.status_code == 404
    assert list(response.json()["errors"]) == ["object_id"]
    response = upload(client, "spaceship", 1)
    assert response.status_code == 404
    assert list(response.json()["errors"]) == ["kind"]
    company = make_company()
    response = client.get(api_path("company", company.pk, "not-a-uuid"))
    assert list(response.json()["errors"]) == ["attachment_id"]
    assert_nothing_written()


def test_a_file_of_one_record_cannot_be_fetched_through_another():
    client, _ = signed_in("sales")
    one, two = make_company(), make_company()
    created = upload(client, "company", one.pk).json()
    assert client.get(api_path("company", two.pk, created["id"])).status_code == 404
    assert client.get(api_path("deal", one.pk, created["id"])).status_code == 404


def test_another_salesperson_sees_masked_names_and_cannot_download_or_delete():
    owner_client, owner = signed_in("sales")
    contact = make_contact(owner)
    created = upload(owner_client, "contact", contact.pk, "CV Anna Öström.pdf").json()
    other, _ = signed_in("sales", "other")
    listed = other.get(api_path("contact", contact.pk)).json()
    assert listed["results"][0]["name"] == {"masked": True, "category": "user.content"}
    assert "Öström" not in str(listed)
    assert other.get(created["url"]).status_code == 403
    assert other.delete(api_path("contact", contact.pk, created["id"])).status_code == 403
    assert upload(other, "contact", contact.pk).status_code == 403
    assert Attachment.objects.count() == 1
    assert len(stored_files()) == 1


def test_roles_follow_the_records_own_rules():
    sales, _ = signed_in("sales")
    deal = make_deal()
    created = upload(sales, "deal", deal.pk).json()
    marketing, _ = signed_in("marketing")
    assert marketing.get(api_path("deal", deal.pk)).status_code == 403  # deals: no marketing
    support, _ = signed_in("support")
    assert support.get(created["url"]).status_code == 200
    assert support.delete(api_path("deal", deal.pk, created["id"])).status_code == 403
    assert upload(support, "deal", deal.pk).status_code == 403
    company = make_company()
    assert marketing.get(api_path("company", company.pk)).status_code == 200
    admin, _ = signed_in("admin")
    assert admin.get(api_path("company", company.pk)).status_code == 403


def test_after_the_person_is_erased_their_file_is_gone_for_good():
    client, user = signed_in("sales")
    contact = make_contact(user)
    created = upload(client, "contact", contact.pk).json()
    gate.shred(Actor.system("tests"), contact.subject, reason="erasure_request")
    response = client.get(created["url"])
    assert response.status_code == 410
    assert "erased" in response.json()["detail"]
    listed = client.get(api_path("contact", contact.pk)).json()
    assert listed["results"][0]["name"] == {"erased": True}
    assert upload(client, "contact", contact.pk).status_code == 410


def test_forgetting_a_deal_takes_its_files(django_capture_on_commit_callbacks):
    client, _ = signed_in("sales")
    deal = make_deal()
    kept = make_deal()
    created = upload(client, "deal", deal.pk).json()
    upload(client, "deal", kept.pk)
    with django_capture_on_commit_callbacks(execute=True):
        assert records.forget(Actor.system("tests"), "deal", [deal.pk]) == 1
    assert list(Attachment.objects.values_list("object_id", flat=True)) == [kept.pk]
    assert len(stored_files()) == 1
    assert client.get(created["url"]).status_code == 404


def test_listing_ten_files_costs_the_same_queries_as_one(record_of):
    client, user = signed_in("sales")
    contact = record_of("contact", user)
    upload(client, "contact", contact.pk)

    def count():
        with (
            CaptureQueriesContext(connections["default"]) as main,
            CaptureQueriesContext(connections["keystore"]) as keystore,
        ):
            assert client.get(api_path("contact", contact.pk)).status_code == 200
        return len(main), len(keystore)

    one = count()
    for number in range(9):
        upload(client, "contact", contact.pk, f"Bilaga {number}.pdf")
    assert count() == one
    assert client.get(api_path("contact", contact.pk)).json()["count"] == 10


def test_only_a_role_holder_may_call_the_endpoints(client):
    company = make_company()
    assert client.get(api_path("company", company.pk)).status_code == 401
    nobody, _ = signed_in(None)
    assert nobody.get(api_path("company", company.pk)).status_code == 403


def test_an_activity_without_a_person_keeps_its_files_under_its_own_record_key():
    from tests.attachments.conftest import make_activity

    client, _ = signed_in("sales")
    activity = make_activity(company=make_company())
    response = upload(client, "activity", activity.pk, "Protokoll.pdf", PDF)
    assert response.status_code == 201, response.content
    attachment = Attachment.objects.get()
    assert attachment.subject_id is None
    assert attachment.record_key_id == records.key_for("activity", activity.pk).id
    assert client.get(response.json()["url"]).content == PDF
