"""People on the suppression list are stopped and reported wherever a contact comes in."""

from __future__ import annotations

import pytest

from lethe.contacts import importer
from lethe.contacts.actions import create_contact, create_contacts, update_contact
from lethe.contacts.models import Contact
from lethe.dsr import suppression
from lethe.vault.models import Subject
from lethe.vault.policy import Actor, Purpose
from tests.conftest import ALL
from tests.helpers import client_with, patch, post

pytestmark = pytest.mark.django_db(databases=ALL)

SYSTEM = Actor.system("tests")
CR = Purpose.CUSTOMER_RELATIONSHIP
ERASED = "erased.person@example.org"
PHONE = "+46701740612"


@pytest.fixture
def erased():
    """An erased person's e-mail and phone on the list (as the erasure puts them there)."""
    suppression.add(SYSTEM, [("email", ERASED), ("phone", PHONE)], "erasure")


def test_the_api_refuses_a_suppressed_email_or_phone_naming_the_field(erased):
    client, _ = client_with("sales", "seller")
    for field, value in (("email", ERASED.upper()), ("phone", "070-174 06 12")):
        response = post(
            client,
            "/api/v1/contacts",
            {"last_name": "Tillbaka", field: value, "allow_duplicate": True},
        )
        assert response.status_code == 400, response.content
        assert response.json()["errors"] == {field: [suppression.ERASED_MESSAGE]}
    assert not Contact.objects.exists() and not Subject.objects.exists()
    ok = post(client, "/api/v1/contacts", {"last_name": "Ny", "email": "ny@example.org"})
    assert ok.status_code == 201


def test_the_form_shows_the_error_at_the_field_and_creates_nothing(erased):
    client, _ = client_with("sales", "seller")
    response = client.post(
        "/contacts/new/",
        {"last_name": "Tillbaka", "phone": PHONE, "stage": "lead", "source": "from_person"},
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert "erased at their request" in page
    assert not Contact.objects.exists()


def test_changing_a_contact_to_a_suppressed_address_is_refused(erased):
    client, user = client_with("sales", "seller")
    contact = create_contact(SYSTEM, CR, {"last_name": "Befintlig"}, {"owner": user})
    response = patch(client, f"/api/v1/contacts/{contact.pk}", {"email": ERASED})
    assert response.status_code == 400 and list(response.json()["errors"]) == ["email"]
    with pytest.raises(suppression.Suppressed):
        update_contact(SYSTEM, CR, contact, {"phone": [PHONE]}, {})


def test_a_batch_with_one_suppressed_person_writes_nothing(erased):
    with pytest.raises(suppression.Suppressed) as refused:
        create_contacts(
            SYSTEM,
            CR,
            [
                ({"last_name": "A", "email": "a@example.org"}, {}),
                ({"last_name": "B", "phone": PHONE}, {}),
            ],
        )
    assert refused.value.field == "phone"
    assert not Contact.objects.exists()


def test_the_import_reports_each_suppressed_row_and_imports_the_rest(erased):
    data = (
        "first_name,last_name,email,phone\n"
        f"Anna,Ek,{ERASED},\n"
        "Bo,Berg,bo.berg@example.org,\n"
        f"Cid,Ås,,{PHONE}\n"
    ).encode()
    dry = importer.import_contacts(SYSTEM, data, dry_run=True)
    assert dry.suppressed == 2 and dry.created == 1 and not Contact.objects.exists()
    report = importer.import_contacts(SYSTEM, data)
    assert report.created == 1 and report.suppressed == 2
    assert [(e.row, e.field, e.column) for e in report.errors] == [
        (2, "email", "email"),
        (4, "phone", "phone"),
    ]
    assert all(e.message == suppression.ERASED_MESSAGE for e in report.errors)
    assert "(2 of them people erased at their request)" in report.summary()


def test_an_objection_alone_does_not_stop_a_new_contact():
    suppression.add(SYSTEM, [("email", "objected@example.org")], "objection")
    contact = create_contact(
        SYSTEM, CR, {"last_name": "Invänd", "email": "objected@example.org"}, {}
    )
    assert contact.pk
    assert suppression.refused(
        [{"email": ["objected@example.org"]}], reasons=["objection", "erasure"]
    ) == {0: "email"}


def test_the_import_page_reports_the_suppressed_rows(erased):
    from tests.imports.test_page import selected, send

    client, _ = client_with("sales", "seller")
    data = f"Förnamn;Efternamn;E-post\nAnna;Ek;{ERASED}\nBo;Berg;bo.berg@example.org\n".encode()
    mapping = selected(send(client, "contacts", data).content.decode())
    page = send(client, "contacts", data, mapping, "import").content.decode()
    assert "<dt>Erased at their request (among the errors)</dt><dd>1</dd>" in page
    assert "this person was erased at their request" in page
    assert Contact.objects.count() == 1
