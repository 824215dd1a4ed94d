"""The import page: mapping step, preview, import, re-runs, bad input, privacy, access."""

import base64
import csv
import dataclasses
import html
import io
import re

import pytest
from django.conf import settings as django_settings
from django.contrib.sessions.models import Session
from django.core.files.uploadedfile import SimpleUploadedFile, TemporaryUploadedFile
from django.test import Client

from lethe.audit.models import Action, AuditEvent
from lethe.companies.models import Company
from lethe.contacts.models import Contact
from lethe.vault.models import Subject
from tests.conftest import ALL
from tests.helpers import client_with

pytestmark = pytest.mark.django_db(databases=ALL)

PAGE = "/imports/"
CONTACTS = (
    "Förnamn;Efternamn;E-post;Telefon;Personnummer\n"
    "Anna;Ek;anna.ek@example.org;+46701740612;\n"
    "Bo;Berg;inte-en-adress;;\n"
    "Cecilia;Al;cecilia.al@example.org;070-17406;\n"
    "Dan;Ask;anna.ek@example.org;;\n"
).encode()
COMPANIES = (
    "Company name,Org.nr,Website,Number of employees\n"
    "Exempel AB,556016-0680,exempel.se,12\n"
    "Fel AB,556016-0681,,\n"
    "Domän AB,,doman.se,\n"
).encode()


@pytest.fixture
def sales():
    return client_with("sales")[0]


def send(client, kind, data, mapping=None, action=None, duplicates="skip", htmx=False, **extra):
    """POST the import form as a browser would: the file, the mapping selects, a button."""
    body = {"kind": kind, "duplicates": duplicates, **extra}
    if data is not None:
        body["file"] = SimpleUploadedFile("upload.csv", data, "text/csv")
    if mapping is not None:
        body["mapped_kind"] = kind
        for index, (header, target) in enumerate(mapping):
            body[f"column-{index}"], body[f"map-{index}"] = header, target
    if action:
        body["action"] = action
    headers = {"HX-Request": "true"} if htmx else {}
    return client.post(PAGE, body, headers=headers)


def selected(page: str) -> list[tuple[str, str]]:
    """Return (column, chosen field) of the mapping table in a page."""
    columns = re.findall(r'name="column-\d+" value="([^"]*)"', page)
    choices = []
    for select in re.findall(r"<select id=\"map-\d+\".*?</select>", page, re.S):
        chosen = re.search(r'<option value="([^"]*)" selected>', select)
        choices.append(chosen[1] if chosen else "")
    return list(zip([html.unescape(c) for c in columns], choices, strict=True))


def nothing_imported():
    assert not Contact.objects.exists() and not Subject.objects.exists()
    assert not Company.objects.exists()
    assert not AuditEvent.objects.filter(action=Action.IMPORT, detail__dry_run=False).exists()


def test_the_page_offers_the_form_and_says_the_file_is_not_kept(sales):
    page = sales.get(PAGE, {"kind": "companies"}).content.decode()
    assert '<option value="companies" selected>' in page
    assert 'type="file"' in page and 'enctype="multipart/form-data"' in page
    assert "never kept on the server" in page and "choose the file again" in page
    assert 'hx-post="/imports/"' in page
    # htmx comes once, from our own static files (base.html); no inline script.
    assert page.count("<script") == 1 and 'src="/static/django_htmx/' in page


def test_a_first_post_returns_the_mapping_table_built_from_the_header(sales):
    response = send(sales, "contacts", CONTACTS)
    assert response.status_code == 200
    page = response.content.decode()
    # A sales user may not record identity numbers: that column is left out.
    assert selected(page) == [
        ("Förnamn", "first_name"),
        ("Efternamn", "last_name"),
        ("E-post", "email"),
        ("Telefon", "phone"),
        ("Personnummer", ""),
    ]
    assert 'value="identity_number"' not in page
    assert "may not record them: identity_number, birth_date, street" in page
    assert "Preview (dry run)" in page and ">Import</button>" in page
    nothing_imported()


def test_support_gets_the_mapping_for_its_own_purpose():
    client, _ = client_with("support")
    page = send(client, "contacts", CONTACTS).content.decode()
    assert ("E-post", "email") in selected(page) and 'value="job_title"' not in page


def test_a_preview_shows_counts_rows_and_errors_and_writes_nothing(sales):
    mapping = selected(send(sales, "contacts", CONTACTS).content.decode())
    response = send(sales, "contacts", CONTACTS, mapping, "preview")
    assert response.status_code == 200
    page = response.content.decode()
    assert "Preview: nothing was written" in page
    counts = dict(re.findall(r"<dt>(\w+)</dt><dd>(\d+)</dd>", page))
    assert counts == {
        "Rows": "4",
        "New": "1",
        "Updated": "0",
        "Skipped": "1",
        "Duplicates": "1",
        "Errors": "2",
    }
    # The uploader's own rows, as they would be imported.
    assert "<td>2</td><td>new</td><td>Anna</td><td>Ek</td><td>anna.ek@example.org</td>" in page
    assert "<td>5</td><td>duplicate: skipped</td><td>Dan</td>" in page
    errors = re.findall(r"<tr><td>(\d+)</td><td>([^<]*)</td><td>([^<]*)</td></tr>", page)
    assert errors == [
        ("3", "E-post", "not a valid e-mail address"),
        ("4", "Telefon", "not a valid phone number"),
    ]
    nothing_imported()
    assert AuditEvent.objects.get(action=Action.IMPORT).detail["dry_run"] is True


def test_the_import_writes_reports_offers_the_errors_and_a_rerun_creates_nothing(sales):
    mapping = selected(send(sales, "contacts", CONTACTS).content.decode())
    page = send(sales, "contacts", CONTACTS, mapping, "import").content.decode()
    assert "Imported" in page
    assert Contact.objects.count() == 1
    assert Contact.objects.get().owner.email == "sales@lethe.example"
    link = re.search(r'download="lethe-import-errors.csv" href="data:text/csv;[^,]*,([^"]+)"', page)
    rows = list(csv.reader(io.StringIO(base64.b64decode(link[1]).decode())))
    assert rows == [
        ["row", "column", "field", "message"],
        ["3", "E-post", "email", "not a valid e-mail address"],
        ["4", "Telefon", "phone", "not a valid phone number"],
    ]
    event = AuditEvent.objects.get(action=Action.IMPORT, detail__dry_run=False)
    assert event.actor.startswith("user:") and event.detail["error_rows"] == [3, 4]

    again = send(sales, "contacts", CONTACTS, mapping, "import").content.decode()
    assert re.search(r"<dt>New</dt><dd>0</dd>", again)
    assert re.search(r"<dt>Skipped</dt><dd>2</dd>", again)
    assert Contact.objects.count() == 1 and Subject.objects.count() == 1


def test_companies_import_through_the_page_and_update_on_a_rerun(sales):
    mapping = selected(send(sales, "companies", COMPANIES).content.decode())
    assert mapping == [
        ("Company name", "name"),
        ("Org.nr", "org_number"),
        ("Website", "domain"),
        ("Number of employees", "size"),
    ]
    preview = send(sales, "companies", COMPANIES, mapping, "preview").content.decode()
    assert "<td>10-49</td>" in preview and not Company.objects.exists()
    page = send(sales, "companies", COMPANIES, mapping, "import").content.decode()
    assert "the check digit is wrong" in page
    assert sorted(Company.objects.values_list("name", flat=True)) == ["Domän AB", "Exempel AB"]
    changed = COMPANIES.replace(b"exempel.se,12", b"exempel.se,300")
    send(sales, "companies", changed, mapping, "import", duplicates="update")
    assert Company.objects.count() == 2
    assert Company.objects.get(org_number="556016-0680").size == "250+"


def test_with_htmx_only_the_result_region_comes_back(sales):
    response = send(sales, "contacts", CONTACTS, htmx=True)
    page = response.content.decode()
    assert response.status_code == 200 and "<html" not in page
    assert 'name="map-0"' in page and 'id="error-file" hx-swap-oob="true"' in page
    bad = send(sales, "contacts", b"", htmx=True).content.decode()
    assert re.search(r'id="error-file" hx-swap-oob="true">file: [^<]+</p>', bad)


def test_a_changed_file_or_kind_redoes_the_mapping(sales):
    mapping = selected(send(sales, "contacts", CONTACTS).content.decode())
    page = send(sales, "companies", COMPANIES, mapping, "import").content.decode()
    assert "were matched again" in page and selected(page)[0] == ("Company name", "name")
    nothing_imported()


@pytest.mark.parametrize(
    ("data", "extra", "field", "message"),
    [
        (None, {}, "file", "required"),
        (b"", {}, "file", "empty"),
        (b"\n\n", {}, "file", "empty"),
        ("Förnamn;Efternamn\n".encode(), {}, "file", "no rows"),
        (b"\x00\x01\x02binary", {}, "file", "not a CSV text file"),
        (b"PK\x03\x04zipped", {}, "file", "spreadsheet"),
        (CONTACTS, {"duplicates": "merge"}, "duplicates", "valid choice"),
        (CONTACTS, {"kind": "shoes"}, "kind", "valid choice"),
    ],
)
def test_bad_input_is_a_form_error_naming_the_field_and_writes_nothing(
    sales, data, extra, field, message
):
    body = {"kind": "contacts", **extra}
    response = send(sales, body.pop("kind"), data, action="import", **body)
    assert response.status_code == 400
    error = re.search(rf'id="error-{field}">([^<]*)</p>', response.content.decode())
    assert error and error[1].startswith(f"{field}: ") and message in error[1]
    nothing_imported()


def test_a_file_over_the_limit_is_refused_without_being_kept(sales, settings, tmp_path):
    settings.CONFIG = dataclasses.replace(django_settings.CONFIG, import_max_bytes=100)
    settings.FILE_UPLOAD_TEMP_DIR = str(tmp_path)
    response = send(sales, "contacts", CONTACTS * 5, action="import")
    assert response.status_code == 400
    assert "file: the file is larger than 100 bytes" in response.content.decode()
    assert list(tmp_path.iterdir()) == []
    nothing_imported()


def test_the_upload_never_reaches_a_temporary_file_or_the_session(sales, settings, monkeypatch):
    spilled = []
    original = TemporaryUploadedFile.__init__

    def spill(self, *args, **kwargs):
        spilled.append(args)
        original(self, *args, **kwargs)

    monkeypatch.setattr(TemporaryUploadedFile, "__init__", spill)
    settings.FILE_UPLOAD_MAX_MEMORY_SIZE = 10  # Django's own handlers would spill to disk
    mapping = selected(send(sales, "contacts", CONTACTS).content.decode())
    send(sales, "contacts", CONTACTS, mapping, "import")
    assert spilled == []
    for session in Session.objects.all():
        assert "anna.ek" not in str(session.get_decoded())
    assert "anna.ek" not in str(list(AuditEvent.objects.values()))


@pytest.mark.parametrize(
    ("mapping", "field", "message"),
    [
        ([("Förnamn", "shoe_size")], "map-0", "unknown field 'shoe_size'"),
        ([("Förnamn", "identity_number")], "map-0", "unknown field"),  # not for sales
        ([("Förnamn", "first_name"), ("Efternamn", "first_name")], "map-1", "already chosen"),
    ],
)
def test_bad_mappings_are_errors_on_their_select_and_write_nothing(sales, mapping, field, message):
    columns = ["Förnamn", "Efternamn", "E-post", "Telefon", "Personnummer"]
    full = dict.fromkeys(columns, "")
    full.update(dict(mapping))
    response = send(sales, "contacts", CONTACTS, list(full.items()), "import")
    assert response.status_code == 400
    page = html.unescape(response.content.decode())
    assert re.search(rf'<p class="error">{field}: [^<]*{re.escape(message)}', page)
    nothing_imported()


def test_a_mapping_without_a_name_is_refused_as_a_whole(sales):
    mapping = [("Förnamn", ""), ("Efternamn", ""), ("E-post", "email")]
    mapping += [("Telefon", ""), ("Personnummer", "")]
    response = send(sales, "contacts", CONTACTS, mapping, "preview")
    assert response.status_code == 400
    assert "mapping: no column is mapped to first_name or last_name" in response.content.decode()
    assert not AuditEvent.objects.filter(action=Action.IMPORT).exists()


def test_the_form_needs_its_csrf_token():
    client, _ = client_with("sales")
    strict = Client(enforce_csrf_checks=True)
    strict.cookies = client.cookies
    assert send(strict, "contacts", CONTACTS).status_code == 403
    nothing_imported()


@pytest.mark.parametrize("role", ["marketing", "finance", "dpo", "auditor", "admin", None])
def test_roles_that_may_not_write_contacts_get_403(role):
    client, _ = client_with(role, f"x-{role}")
    assert client.get(PAGE).status_code == 403
    assert send(client, "contacts", CONTACTS, action="import").status_code == 403
    nothing_imported()


def test_anonymous_visitors_are_sent_to_log_in():
    response = send(Client(), "contacts", CONTACTS, action="import")
    assert response.status_code == 302 and response["Location"].startswith("/login/")


def test_the_lists_link_writers_to_the_import_page():
    writer, _ = client_with("support")
    assert "/imports/?kind=contacts" in writer.get("/contacts/").content.decode()
    assert "Import</a>" in writer.get("/").content.decode()  # the nav link
    reader, _ = client_with("marketing")
    assert "/imports/" not in reader.get("/contacts/").content.decode()
    assert "/imports/" not in reader.get("/").content.decode()
