"""Attachments on the record pages: the section, upload with inline errors, delete with CSRF."""

import re

import pytest
from django.db import connections
from django.test import Client
from django.test.utils import CaptureQueriesContext

from lethe.attachments.models import Attachment
from lethe.vault.models import Document
from tests.attachments.conftest import (
    PDF,
    make_company,
    make_contact,
    make_deal,
    stored_files,
    upload,
    upload_file,
)
from tests.conftest import ALL
from tests.helpers import client_with as signed_in

pytestmark = pytest.mark.django_db(databases=ALL)

PAGES = {"contact": "/contacts/{}/", "company": "/companies/{}/"}


def web_upload(client, kind, object_id, name="Offert Norrsken.pdf", data=PDF, **extra):
    return client.post(
        f"/attachments/{kind}/{object_id}/", {"file": upload_file(name, data), **extra}
    )


def csrf_token(html: str) -> str:
    return re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html).group(1)


@pytest.mark.parametrize("kind", ["contact", "company"])
def test_the_record_page_uploads_lists_downloads_and_deletes(kind):
    client, user = signed_in("sales")
    record = make_contact(user) if kind == "contact" else make_company()
    page = PAGES[kind].format(record.pk)
    html = client.get(page).content.decode()
    assert '<label for="attachment-file">' in html and 'id="attachment-file"' in html
    assert 'enctype="multipart/form-data"' in html and "No attachments." in html
    response = web_upload(client, kind, record.pk)
    assert response.status_code == 303 and response["Location"] == page
    html = client.get(page).content.decode()
    attachment = Attachment.objects.get()
    link = f"/attachments/{kind}/{record.pk}/{attachment.pk}/"
    assert f'<a href="{link}">Offert Norrsken.pdf</a>' in html
    download = client.get(link)
    assert download.content == PDF and download["Content-Type"] == "application/pdf"
    assert download["Content-Disposition"].startswith("attachment;")
    response = client.post(f"{link}delete/")
    assert response.status_code == 303 and response["Location"] == page
    assert not Attachment.objects.exists()


def test_delete_needs_the_csrf_token():
    _, user = signed_in("sales")
    company = make_company()
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(user)
    upload(strict, "company", company.pk)  # the API's session auth checks CSRF too
    assert not Attachment.objects.exists()
    client, _ = signed_in("sales", "uploader")
    web_upload(client, "company", company.pk)
    attachment = Attachment.objects.get()
    delete = f"/attachments/company/{company.pk}/{attachment.pk}/delete/"
    assert strict.post(delete).status_code == 403
    assert Attachment.objects.exists()
    token = csrf_token(strict.get(f"/companies/{company.pk}/").content.decode())
    assert strict.post(delete, {"csrfmiddlewaretoken": token}).status_code == 303
    assert not Attachment.objects.exists()


def test_a_deal_file_goes_up_and_back_to_the_page_it_came_from():
    client, _ = signed_in("sales")
    deal = make_deal()
    response = web_upload(client, "deal", deal.pk, next=f"/deals/{deal.pk}/")
    assert response.status_code == 303 and response["Location"] == f"/deals/{deal.pk}/"
    attachment = Attachment.objects.get(kind="deal")
    assert client.get(f"/attachments/deal/{deal.pk}/{attachment.pk}/").content == PDF
    response = client.post(
        f"/attachments/deal/{deal.pk}/{attachment.pk}/delete/", {"next": "https://evil.example/"}
    )
    assert (
        response.status_code == 303 and response["Location"] == f"/deals/{deal.pk}/"
    )  # never the foreign next


def test_a_refused_upload_shows_the_error_next_to_the_file_field_and_writes_nothing():
    client, _ = signed_in("sales")
    company = make_company()
    response = web_upload(
        client, "company", company.pk, "Offert.png", PDF, next="javascript:alert(1)"
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert 'aria-describedby="attachment-file-error"' in html
    assert re.search(r'id="attachment-file-error">[^<]*must end in \.pdf', html)
    assert "javascript:" not in html
    response = client.post(f"/attachments/company/{company.pk}/", {})
    assert "choose a file" in response.content.decode()
    assert not Attachment.objects.exists() and not Document.objects.exists()
    assert stored_files() == []


def test_a_file_name_with_markup_is_shown_escaped():
    client, _ = signed_in("sales")
    company = make_company()
    name = "<img src=x onerror=alert(1)>.pdf"
    assert web_upload(client, "company", company.pk, name).status_code == 303
    html = client.get(f"/companies/{company.pk}/").content.decode()
    assert "<img src=x" not in html
    assert "&lt;img src=x onerror=alert(1)&gt;.pdf" in html


def test_another_salesperson_sees_a_lock_no_link_and_no_upload_form():
    owner_client, owner = signed_in("sales")
    contact = make_contact(owner)
    web_upload(owner_client, "contact", contact.pk, "CV Anna Öström.pdf")
    other, _ = signed_in("sales", "other")
    html = other.get(f"/contacts/{contact.pk}/").content.decode()
    assert "CV Anna" not in html and "\N{LOCK} user.content" in html
    assert "/attachments/contact/" not in html  # no download, delete or upload
    attachment = Attachment.objects.get()
    assert other.get(f"/attachments/contact/{contact.pk}/{attachment.pk}/").status_code == 403
    assert web_upload(other, "contact", contact.pk).status_code == 403


def test_the_contact_page_costs_the_same_queries_with_ten_files_as_with_one():
    client, user = signed_in("sales")
    contact = make_contact(user)
    web_upload(client, "contact", contact.pk)

    def count():
        with CaptureQueriesContext(connections["default"]) as main:
            assert client.get(f"/contacts/{contact.pk}/").status_code == 200
        return len(main)

    count()  # the first view does one-time work (e.g. publishing the consent notice)
    one = count()
    for number in range(9):
        web_upload(client, "contact", contact.pk, f"Bilaga {number}.pdf")
    assert count() == one


def test_a_too_large_file_is_an_inline_error(settings):
    from dataclasses import replace

    settings.CONFIG = replace(settings.CONFIG, attachment_max_bytes=10)
    client, _ = signed_in("sales")
    company = make_company()
    response = web_upload(client, "company", company.pk)
    assert response.status_code == 400
    assert "the file is larger than 10 bytes" in response.content.decode()
    assert not Attachment.objects.exists() and stored_files() == []
