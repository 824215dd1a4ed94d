"""Company forms on the web: create, edit, archive, restore, inline errors, duplicates."""

import pytest

from lethe.companies.models import Company
from lethe.core.models import Change
from tests.conftest import ALL
from tests.helpers import client_with

pytestmark = pytest.mark.django_db(databases=ALL)


@pytest.fixture
def sales():
    return client_with("sales")


def form_data(**overrides):
    data = {
        "name": "Exempel AB",
        "org_number": "",
        "domain": "",
        "street": "",
        "postal_code": "",
        "city": "",
        "country": "SE",
        "industry": "",
        "size": "",
        "owner": "",
        "tags": "",
    }
    data.update(overrides)
    return data


def error_block(html: str, field: str) -> str:
    block = html[html.index(f'for="id_{field}"') :]
    return block[: block.index("<button")].split('<div class="field')[0]


def test_the_form_has_labelled_inputs_for_every_field(sales):
    client, _ = sales
    html = client.get("/companies/new/").content.decode()
    for name in form_data():
        assert f'for="id_{name}"' in html and f'id="id_{name}"' in html


def test_sales_creates_a_company_and_lands_on_its_page(sales):
    client, user = sales
    response = client.post(
        "/companies/new/",
        form_data(
            org_number="5560360793",
            domain="https://www.Exempel.se/",
            city="Umeå",
            size="10-49",
            owner=str(user.pk),
            tags="partner",
        ),
    )
    company = Company.objects.get()
    assert response.status_code == 303 and response["Location"] == f"/companies/{company.pk}/"
    assert company.org_number == "556036-0793" and company.domain == "exempel.se"
    assert company.owner == user and [t.name for t in company.tags.all()] == ["partner"]


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"name": ""}, "name", "This field is required"),
        ({"name": "   "}, "name", "This field is required"),
        ({"name": "x" * 201}, "name", "at most 200 characters"),
        ({"org_number": "123"}, "org_number", "10 digits"),
        ({"org_number": "556036-0794"}, "org_number", "check digit"),
        ({"org_number": "19121212-1212"}, "org_number", "at most 11 characters"),
        ({"domain": "not a domain"}, "domain", "example.com"),
        ({"country": "Sweden"}, "country", "at most 2 characters"),
        ({"country": "S1"}, "country", "two-letter"),
        ({"size": "huge"}, "size", "Select a valid choice"),
        ({"owner": "999999"}, "owner", "Select a valid choice"),
        ({"tags": "<b>"}, "tags", "not a valid tag"),
    ],
)
def test_bad_input_is_shown_next_to_the_field_and_writes_nothing(sales, overrides, field, message):
    client, _ = sales
    response = client.post("/companies/new/", form_data(**overrides))
    assert response.status_code == 400
    block = error_block(response.content.decode(), field)
    assert 'class="error"' in block and message in block, block
    assert not Company.objects.exists()


def test_a_taken_org_number_is_an_inline_error_linking_the_other_company(sales):
    client, _ = sales
    other = Company.objects.create(name="Volvo", org_number="556036-0793")
    response = client.post("/companies/new/", form_data(org_number="556036-0793"))
    assert response.status_code == 400
    html = response.content.decode()
    assert "another company has this organisation number" in error_block(html, "org_number")
    assert f'href="/companies/{other.pk}/"' in html
    assert Company.objects.count() == 1


def test_a_known_domain_warns_and_creates_anyway_when_asked(sales):
    client, _ = sales
    other = Company.objects.create(name="Exempel", domain="exempel.se")
    response = client.post("/companies/new/", form_data(domain="exempel.se"))
    assert response.status_code == 409
    html = response.content.decode()
    assert f'href="/companies/{other.pk}/"' in html and 'name="allow_duplicate"' in html
    assert Company.objects.count() == 1
    response = client.post("/companies/new/", form_data(domain="exempel.se", allow_duplicate="1"))
    assert response.status_code == 303 and Company.objects.count() == 2


def test_an_edit_changes_the_fields_and_records_history(sales):
    client, user = sales
    company = Company.objects.create(name="Gamla AB", city="Luleå", owner=user)
    html = client.get(f"/companies/{company.pk}/edit/").content.decode()
    assert 'value="Gamla AB"' in html and 'value="Luleå"' in html
    response = client.post(
        f"/companies/{company.pk}/edit/", form_data(name="Nya AB", city="Luleå", owner=user.pk)
    )
    assert response.status_code == 303
    company.refresh_from_db()
    assert company.name == "Nya AB"
    assert set(Change.objects.values_list("field", flat=True)) == {"name"}


def test_an_invalid_edit_changes_nothing(sales):
    client, _ = sales
    company = Company.objects.create(name="Gamla AB")
    response = client.post(
        f"/companies/{company.pk}/edit/", form_data(name="Nya AB", org_number="1")
    )
    assert response.status_code == 400
    company.refresh_from_db()
    assert company.name == "Gamla AB" and not Change.objects.exists()
    assert client.get("/companies/999999/edit/").status_code == 404


def test_archive_and_restore_from_the_company_page(sales):
    client, _ = sales
    company = Company.objects.create(name="Arkiv AB")
    assert f'action="/companies/{company.pk}/archive/"' in (
        client.get(f"/companies/{company.pk}/").content.decode()
    )
    assert client.post(f"/companies/{company.pk}/archive/").status_code == 303
    company.refresh_from_db()
    assert company.archived_at is not None
    assert f'action="/companies/{company.pk}/restore/"' in (
        client.get(f"/companies/{company.pk}/").content.decode()
    )
    assert client.post(f"/companies/{company.pk}/restore/").status_code == 303
    company.refresh_from_db()
    assert company.archived_at is None


def test_names_with_markup_are_escaped_in_the_form(sales):
    client, _ = sales
    company = Company.objects.create(name="<script>alert(1)</script>")
    html = client.get(f"/companies/{company.pk}/edit/").content.decode()
    assert "<script>alert(1)" not in html and "&lt;script&gt;" in html


def test_readers_who_may_not_write_get_403():
    client, _ = client_with("finance")
    company = Company.objects.create(name="Kvar AB")
    assert client.get("/companies/new/").status_code == 403
    assert client.post(f"/companies/{company.pk}/edit/", form_data(name="X")).status_code == 403
    assert client.post(f"/companies/{company.pk}/archive/").status_code == 403
    company.refresh_from_db()
    assert company.name == "Kvar AB" and company.archived_at is None
    assert "/edit/" not in client.get(f"/companies/{company.pk}/").content.decode()
