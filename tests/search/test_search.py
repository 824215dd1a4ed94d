"""The header's search: companies and contacts on one page, as the role may read them."""

import pytest
from django.db import connections
from django.test.utils import CaptureQueriesContext

from lethe.companies.models import Company
from lethe.contacts.actions import create_contact
from lethe.vault.policy import Actor, Purpose
from tests.conftest import ALL
from tests.helpers import client_with

pytestmark = pytest.mark.django_db(databases=ALL)

SYSTEM = Actor.system("tests")


def contact_of(owner, **personal):
    return create_contact(SYSTEM, Purpose.CUSTOMER_RELATIONSHIP, personal, {"owner": owner})


def test_the_header_has_a_search_form_that_works_without_javascript():
    client, _ = client_with("sales")
    html = client.get("/contacts/").content.decode()
    assert 'action="/search/"' in html and 'method="get"' in html
    assert 'for="site-q"' in html and 'name="q"' in html


def test_a_name_prefix_finds_contacts_whatever_the_case_and_accents():
    client, user = client_with("sales")
    contact = contact_of(user, first_name="Åsa", last_name="Öström")
    contact_of(user, first_name="Bo", last_name="Berg")
    for q in ("ost", "ÖST", "Öström", "asa"):
        html = client.get("/search/", {"q": q}).content.decode()
        assert f'href="/contacts/{contact.pk}/"' in html and "Öström" in html, q
        assert "Berg" not in html


def test_e_mail_and_phone_find_the_contact_and_identity_numbers_only_for_who_may_read(people):
    person = people(1, seed=51)[0]
    client, user = client_with("sales")
    contact = contact_of(user, **person)
    for q in (person["email"][0].upper(), person["phone"][0], person["identity_number"]):
        html = client.get("/search/", {"q": q}).content.decode()
        if q == person["identity_number"]:
            # Sales may not read identity numbers: the number finds nobody for them.
            assert f'href="/contacts/{contact.pk}/"' not in html
        else:
            assert f'href="/contacts/{contact.pk}/"' in html, q


def test_companies_are_found_by_name_and_org_number_with_or_without_the_dash():
    client, _ = client_with("marketing")
    volvo = Company.objects.create(name="Volvo Cars", org_number="556036-0793")
    Company.objects.create(name="Exempel AB", org_number="556016-0680")
    for q in ("volvo", "556036", "5560360793", "556036-0793"):
        html = client.get("/search/", {"q": q}).content.decode()
        assert f'href="/companies/{volvo.pk}/"' in html and "Exempel AB" not in html, q


def test_other_peoples_contacts_are_not_found_by_name():
    _, owner = client_with("sales", "owner")
    contact_of(owner, first_name="Åsa", last_name="Öström")
    other, _ = client_with("sales", "other")
    html = other.get("/search/", {"q": "ostrom"}).content.decode()
    assert "Öström" not in html and "No contacts match" in html


def test_names_with_markup_are_escaped_in_the_results():
    client, user = client_with("sales")
    contact_of(user, first_name="Scripty", last_name="<script>alert(1)</script>")
    Company.objects.create(name="<script>alert(2)</script> AB")
    html = client.get("/search/", {"q": "scripty"}).content.decode()
    assert "<script>alert(1)" not in html and "&lt;script&gt;alert(1)" in html
    html = client.get("/search/", {"q": "<script>"}).content.decode()
    assert "<script>alert(2)" not in html and "&lt;script&gt;alert(2)" in html


def test_a_bad_query_is_an_error_on_the_page():
    client, _ = client_with("sales")
    response = client.get("/search/", {"q": "a@@b"})
    assert response.status_code == 400 and "q:" in response.content.decode()
    assert client.get("/search/", {"q": "x" * 201}).status_code == 400
    assert client.get("/search/").status_code == 200


def test_the_page_costs_the_same_queries_for_2_or_40_results():
    client, user = client_with("sales")
    for i in range(2):
        contact_of(user, first_name="Lisa", last_name=f"Person{i}")
        Company.objects.create(name=f"Lisa {i} AB")
    client.get("/search/", {"q": "lisa"})
    with CaptureQueriesContext(connections["default"]) as few:
        assert client.get("/search/", {"q": "lisa"}).content.decode().count("Person") == 2
    for i in range(2, 40):
        contact_of(user, first_name="Lisa", last_name=f"Person{i}")
        Company.objects.create(name=f"Lisa {i} AB")
    with CaptureQueriesContext(connections["default"]) as many:
        assert client.get("/search/", {"q": "lisa"}).content.decode().count("Person") == 40
    assert len(many.captured_queries) == len(few.captured_queries)


def test_roles_without_crm_access_get_403():
    client, _ = client_with("auditor")
    assert client.get("/search/", {"q": "x"}).status_code == 403
