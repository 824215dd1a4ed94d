"""Contact pages: masks for what the role may not read, search, escaping, the DPO's link."""

import pytest
from django.db import connections
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from lethe.companies.models import Company
from lethe.contacts.actions import create_contact
from lethe.contacts.models import Contact
from lethe.vault.policy import Actor, Purpose
from tests.conftest import ALL
from tests.helpers import client_with as signed_in

pytestmark = pytest.mark.django_db(databases=ALL)

SYSTEM = Actor.system("tests")


def contact_of(owner, **personal):
    return create_contact(SYSTEM, Purpose.CUSTOMER_RELATIONSHIP, personal, {"owner": owner})


def test_the_owner_sees_names_and_another_salesperson_sees_locks():
    client, user = signed_in("sales")
    contact_of(user, first_name="Åsa", last_name="Öström", email=["asa@example.org"])
    html = client.get("/contacts/").content.decode()
    assert "Öström" in html and "asa@example.org" in html
    other, _ = signed_in("sales", "other")
    html = other.get("/contacts/").content.decode()
    assert "Öström" not in html and "asa@example.org" not in html
    assert "\N{LOCK} user.name" in html and "\N{LOCK} user.contact.email" in html


def test_search_by_surname_prefix_on_the_page():
    client, user = signed_in("sales")
    contact_of(user, first_name="Åsa", last_name="Öström")
    contact_of(user, first_name="Bo", last_name="Berg")
    html = client.get("/contacts/", {"q": "ost"}).content.decode()
    assert "Öström" in html and "Berg" not in html


def test_a_bad_search_is_a_form_error_naming_the_field():
    client, _ = signed_in("sales")
    response = client.get("/contacts/", {"q": "a@@b"})
    assert response.status_code == 400 and "q:" in response.content.decode()


def test_names_are_escaped():
    client, user = signed_in("sales")
    contact_of(user, first_name="<script>alert(1)</script>", last_name='"><img onerror=x>')
    html = client.get("/contacts/").content.decode()
    assert "<script>alert(1)" not in html and "<img onerror" not in html
    assert "&lt;script&gt;" in html


def test_the_contact_page_links_the_dpo_to_who_read_this_person():
    _, owner = signed_in("sales")
    contact = contact_of(owner, last_name="Läst")
    dpo, _ = signed_in("dpo")
    html = dpo.get(f"/contacts/{contact.pk}/").content.decode()
    assert f"subject={contact.subject_id}" in html and "action=read" in html
    sales, _ = signed_in("sales", "another")
    assert "Who read" not in sales.get(f"/contacts/{contact.pk}/").content.decode()
    assert dpo.get("/contacts/999999/").status_code == 404


def test_the_list_page_costs_the_same_queries_for_3_or_60_contacts():
    client, user = signed_in("sales")
    for i in range(3):
        contact_of(user, last_name=f"Person{i}")
    client.get("/contacts/")
    with CaptureQueriesContext(connections["default"]) as few:
        client.get("/contacts/")
    for i in range(3, 60):
        contact_of(user, last_name=f"Person{i}")
    with CaptureQueriesContext(connections["default"]) as many:
        client.get("/contacts/")
    assert len(many.captured_queries) == len(few.captured_queries)


def test_the_list_filters_by_owner_company_tag_and_archived_and_sorts():
    client, user = signed_in("sales", "lister")
    other_user = signed_in("sales", "colleague")[1]
    acme, other = Company.objects.create(name="Acme AB"), Company.objects.create(name="Bolaget AB")
    system, cr = SYSTEM, Purpose.CUSTOMER_RELATIONSHIP
    mine = create_contact(system, cr, {"last_name": "Ägarsson"}, {"company": acme}, owner=user)
    theirs = create_contact(
        system, cr, {"last_name": "Andrasson"}, {"company": other}, owner=other_user
    )
    mine.tags.create(name="mässa")
    gone = create_contact(system, cr, {"last_name": "Borta"}, {}, owner=user)
    Contact.objects.filter(pk=gone.pk).update(archived_at=timezone.now())

    def shown(**query):
        response = client.get("/contacts/", query)
        assert response.status_code == 200
        return [c.pk for c, _ in response.context["rows"]]

    assert shown(owner=user.pk) == [mine.pk]
    assert shown(company=other.pk) == [theirs.pk]
    assert shown(company="bolag") == [theirs.pk]
    assert shown(tag="mässa") == [mine.pk]
    assert shown(archived="1") == [gone.pk]
    assert shown(sort="company") == [mine.pk, theirs.pk]
    assert shown(sort="created") == [mine.pk, theirs.pk]
    for bad in ({"sort": "name"}, {"owner": "x"}, {"stage": "vip"}):
        response = client.get("/contacts/", bad)
        assert response.status_code == 400
        assert next(iter(bad)).encode() in response.content
