"""Contact forms on the web: create, edit, archive, restore; inline errors; locked fields."""

import pytest
from django.test import Client

from lethe.audit.models import Action, AuditEvent
from lethe.companies.models import Company
from lethe.contacts.actions import create_contact
from lethe.contacts.forms import PersonalForm
from lethe.contacts.models import Contact
from lethe.vault import gate
from lethe.vault.models import PersonalValue, Subject
from lethe.vault.policy import Actor, Purpose
from tests.conftest import ALL
from tests.helpers import client_with

pytestmark = pytest.mark.django_db(databases=ALL)

SYSTEM = Actor.system("tests")


@pytest.fixture
def sales():
    return client_with("sales")


@pytest.fixture
def person(people):
    return people(1, seed=41)[0]


def form_data(**overrides):
    data = {
        "first_name": "Åsa",
        "last_name": "Öström",
        "email": "",
        "phone": "",
        "street": "",
        "postal_code": "",
        "city": "",
        "country": "",
        "birth_date": "",
        "job_title": "",
        "stage": "lead",
        "source": "from_person",
        "obtained_at": "",
        "tags": "",
        "company": "",
        "owner": "",
    }
    data.update(overrides)
    return data


def reader(user):
    return Actor("user", str(user.pk), user.roles)


def values_of(contact, user):
    return gate.read(reader(user), [contact.subject_id], Purpose.CUSTOMER_RELATIONSHIP)[
        contact.subject_id
    ]


def test_the_new_contact_form_has_labelled_inputs_and_locks_what_sales_may_not_write(sales):
    client, _ = sales
    html = client.get("/contacts/new/").content.decode()
    for name in ("first_name", "last_name", "email", "phone", "job_title", "company", "owner"):
        assert f'for="id_{name}"' in html and f'id="id_{name}"' in html
    # Sales may not record identity numbers, addresses or birth dates: locked, no input.
    assert 'name="identity_number"' not in html and "\N{LOCK} user.government_id" in html
    assert 'name="street"' not in html and "\N{LOCK} user.contact.address" in html
    assert 'name="csrfmiddlewaretoken"' in html


def test_sales_creates_a_contact_with_several_emails_the_first_primary(sales):
    client, user = sales
    company = Company.objects.create(name="Exempel AB")
    response = client.post(
        "/contacts/new/",
        form_data(
            email="asa@example.org\nasa.ostrom@example.com\n",
            phone="070-174 06 05",
            job_title="Inköpare",
            company=str(company.pk),
            owner=str(user.pk),
            stage="prospect",
            tags="fair, vip",
        ),
    )
    contact = Contact.objects.get()
    assert response.status_code == 303
    assert response["Location"] == f"/contacts/{contact.pk}/"
    values = values_of(contact, user)
    assert values["email"] == ["asa@example.org", "asa.ostrom@example.com"]
    assert values["last_name"] == "Öström" and values["job_title"] == "Inköpare"
    assert values["phone"][0].startswith("+46")
    assert contact.company == company and contact.owner == user and contact.stage == "prospect"
    assert sorted(t.name for t in contact.tags.all()) == ["fair", "vip"]
    page = client.get(response["Location"]).content.decode()
    assert "asa@example.org" in page and "Edit" in page


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"first_name": "", "last_name": ""}, "last_name", "enter the person&#x27;s first or last"),
        ({"last_name": "x" * 201}, "last_name", "at most 200 characters"),
        ({"first_name": "y" * 201}, "first_name", "at most 200 characters"),
        ({"email": "not-an-address"}, "email", "E-mail addresses"),
        ({"phone": "123"}, "phone", "Phone numbers"),
        ({"job_title": "z" * 201}, "job_title", "at most 200 characters"),
        ({"company": "999999"}, "company", "Select a valid choice"),
        ({"owner": "999999"}, "owner", "Select a valid choice"),
        ({"stage": "friend"}, "stage", "Select a valid choice"),
        ({"source": "telepathy"}, "source", "Select a valid choice"),
        ({"obtained_at": "2999-01-01"}, "obtained_at", "must not be in the future"),
        ({"obtained_at": "yesterday"}, "obtained_at", "Enter a valid date"),
        ({"tags": "<b>"}, "tags", "not a valid tag"),
    ],
)
def test_bad_input_is_shown_next_to_the_field_and_writes_nothing(sales, overrides, field, message):
    client, _ = sales
    response = client.post("/contacts/new/", form_data(**overrides))
    assert response.status_code == 400
    html = response.content.decode()
    block = html[html.index(f'for="id_{field}"') :]
    block = block[: block.index("<button")].split('<div class="field')[0]
    assert 'class="error"' in block and message in block, block
    assert not Contact.objects.exists() and not Subject.objects.exists()
    assert not AuditEvent.objects.filter(action=Action.CREATE).exists()


def test_the_vaults_cleaning_checks_identity_numbers_birth_dates_and_address_parts():
    # No web writer may write these categories, so the form's cleaning is tested directly.
    form = PersonalForm(
        form_data(identity_number="19121212-1213", birth_date="2999-01-01", country="x" * 201)
    )
    assert not form.is_valid()
    assert "identity_number" in form.errors and "birth_date" in form.errors
    assert "country" in form.errors


def test_a_locked_field_is_not_overwritten_by_an_edit(sales, person):
    client, user = sales
    contact = create_contact(
        SYSTEM,
        Purpose.CUSTOMER_RELATIONSHIP,
        {k: person[k] for k in ("first_name", "last_name", "email", "identity_number")},
        {"owner": user},
    )
    before = dict(
        PersonalValue.objects.filter(subject=contact.subject).values_list("field", "ciphertext")
    )
    html = client.get(f"/contacts/{contact.pk}/edit/").content.decode()
    assert person["identity_number"] not in html and "\N{LOCK} user.government_id" in html
    assert person["last_name"] in html
    response = client.post(
        f"/contacts/{contact.pk}/edit/",
        form_data(
            first_name=person["first_name"],
            last_name="Nyström",
            email="\n".join(person["email"]),
            identity_number="",  # posted empty on purpose: ignored, the field is locked
            owner=str(user.pk),
            obtained_at=contact.obtained_at.isoformat(),
        ),
    )
    assert response.status_code == 303, response.content.decode()[:2000]
    after = dict(
        PersonalValue.objects.filter(subject=contact.subject).values_list("field", "ciphertext")
    )
    assert after["identity_number"] == before["identity_number"]
    assert after["email"] == before["email"]  # unchanged values are not rewritten
    assert values_of(contact, user)["last_name"] == "Nyström"


def test_an_edit_clears_an_emptied_field_and_keeps_business_fields(sales):
    client, user = sales
    contact = create_contact(
        SYSTEM,
        Purpose.CUSTOMER_RELATIONSHIP,
        {"last_name": "Berg", "job_title": "VD"},
        {"owner": user, "stage": "customer"},
    )
    response = client.post(
        f"/contacts/{contact.pk}/edit/",
        form_data(
            first_name="",
            last_name="Berg",
            owner=str(user.pk),
            stage="customer",
            obtained_at=contact.obtained_at.isoformat(),
        ),
    )
    assert response.status_code == 303
    values = values_of(contact, user)
    assert "job_title" not in values and values["last_name"] == "Berg"


def test_an_invalid_edit_changes_nothing(sales):
    client, user = sales
    contact = create_contact(
        SYSTEM, Purpose.CUSTOMER_RELATIONSHIP, {"last_name": "Berg"}, {"owner": user}
    )
    response = client.post(
        f"/contacts/{contact.pk}/edit/",
        form_data(last_name="Lund", email="bad", owner=str(user.pk), stage="customer"),
    )
    assert response.status_code == 400
    contact.refresh_from_db()
    assert contact.stage == "lead" and values_of(contact, user)["last_name"] == "Berg"


def test_another_salespersons_contact_shows_locks_and_cannot_be_written(sales, person):
    client, _ = sales
    _, owner = client_with("sales", "owner")
    contact = create_contact(
        SYSTEM, Purpose.CUSTOMER_RELATIONSHIP, {"last_name": person["last_name"]}, {"owner": owner}
    )
    html = client.get(f"/contacts/{contact.pk}/edit/").content.decode()
    assert person["last_name"] not in html and "\N{LOCK} user.name" in html
    response = client.post(
        f"/contacts/{contact.pk}/edit/",
        form_data(last_name="Hacked", owner=str(owner.pk), stage="customer"),
    )
    # As in the API, business fields may change; the locked names are not touched.
    assert response.status_code == 303
    assert values_of(contact, owner)["last_name"] == person["last_name"]
    contact.refresh_from_db()
    assert contact.stage == "customer"


def test_names_with_markup_are_escaped_in_the_form(sales):
    client, user = sales
    contact = create_contact(
        SYSTEM,
        Purpose.CUSTOMER_RELATIONSHIP,
        {"first_name": "<script>alert(1)</script>", "last_name": '"><img onerror=x>'},
        {"owner": user},
    )
    html = client.get(f"/contacts/{contact.pk}/edit/").content.decode()
    assert "<script>alert(1)" not in html and "<img onerror" not in html
    assert "&lt;script&gt;" in html


def test_archive_and_restore_from_the_contact_page(sales):
    client, user = sales
    contact = create_contact(
        SYSTEM, Purpose.CUSTOMER_RELATIONSHIP, {"last_name": "Berg"}, {"owner": user}
    )
    page = client.get(f"/contacts/{contact.pk}/").content.decode()
    assert f'action="/contacts/{contact.pk}/archive/"' in page
    response = client.post(f"/contacts/{contact.pk}/archive/")
    assert response.status_code == 303
    contact.refresh_from_db()
    assert contact.archived_at is not None
    page = client.get(f"/contacts/{contact.pk}/").content.decode()
    assert f'action="/contacts/{contact.pk}/restore/"' in page
    assert client.post(f"/contacts/{contact.pk}/restore/").status_code == 303
    contact.refresh_from_db()
    assert contact.archived_at is None
    assert client.get(f"/contacts/{contact.pk}/archive/").status_code == 405
    assert client.post("/contacts/999999/archive/").status_code == 404


def test_archive_needs_the_csrf_token(sales):
    _, user = sales
    contact = create_contact(
        SYSTEM, Purpose.CUSTOMER_RELATIONSHIP, {"last_name": "Berg"}, {"owner": user}
    )
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(user)
    assert strict.post(f"/contacts/{contact.pk}/archive/").status_code == 403
    contact.refresh_from_db()
    assert contact.archived_at is None


def test_readers_who_may_not_write_get_403_and_no_edit_links():
    client, _ = client_with("marketing")
    assert client.get("/contacts/new/").status_code == 403
    assert client.post("/contacts/new/", form_data()).status_code == 403
    assert not Contact.objects.exists()
    contact = create_contact(SYSTEM, Purpose.CUSTOMER_RELATIONSHIP, {"last_name": "Berg"}, {})
    assert "/edit/" not in client.get(f"/contacts/{contact.pk}/").content.decode()


def test_the_form_warns_about_duplicates_and_creates_anyway_when_asked(sales, person):
    client, user = sales
    old = create_contact(
        SYSTEM,
        Purpose.CUSTOMER_RELATIONSHIP,
        {"last_name": person["last_name"], "email": person["email"]},
        {"owner": None},
    )
    data = form_data(email=person["email"][0], owner=str(user.pk))
    response = client.post("/contacts/new/", data)
    assert response.status_code == 409
    html = response.content.decode()
    assert f'href="/contacts/{old.pk}/"' in html and "same e-mail" in html
    assert person["last_name"] not in html  # the other contact is not the user's to read
    assert 'name="allow_duplicate"' in html
    assert Contact.objects.count() == 1
    response = client.post("/contacts/new/", {**data, "allow_duplicate": "1"})
    assert response.status_code == 303 and Contact.objects.count() == 2


def test_a_contact_at_an_archived_company_can_still_be_edited(sales):
    client, user = sales
    company = Company.objects.create(name="Nedlagd AB")
    contact = create_contact(
        SYSTEM,
        Purpose.CUSTOMER_RELATIONSHIP,
        {"last_name": "Berg"},
        {"owner": user, "company": company},
    )
    company.archived_at = contact.created_at
    company.save()
    response = client.post(
        f"/contacts/{contact.pk}/edit/",
        form_data(last_name="Berg", company=str(company.pk), owner=str(user.pk), stage="customer"),
    )
    assert response.status_code == 303
    contact.refresh_from_db()
    assert contact.stage == "customer" and contact.company == company
    response = client.post("/contacts/new/", form_data(company=str(company.pk)))
    assert response.status_code == 400  # a new contact goes to an active company only


def test_errors_in_personal_and_business_fields_show_together(sales):
    client, _ = sales
    response = client.post("/contacts/new/", form_data(email="bad", stage="friend"))
    html = response.content.decode()
    assert response.status_code == 400
    assert "E-mail addresses (one a line, the first is the primary): " in html
    assert "Stage: Select a valid choice" in html
    assert not Contact.objects.exists()
