"""Marketing lists show and export only eligible people, to the marketing role only."""

import csv
import io

import pytest

from lethe.audit.models import Action, AuditEvent
from lethe.consent import eligibility, ledger, lists, public
from lethe.consent.models import ListMember, MarketingList
from lethe.dsr import suppression
from lethe.vault.models import Subject
from tests.conftest import ALL
from tests.consent.conftest import DM, SYSTEM
from tests.helpers import client_with, post

pytestmark = pytest.mark.django_db(databases=ALL)


@pytest.fixture
def world(make_contact, notice):
    """One list with a consented person and one of each kind that must stay off it."""
    people = {
        name: make_contact(email=[f"{name}@example.org"])
        for name in (
            "consented",
            "never-asked",
            "withdrawn",
            "objected",
            "suppressed",
            "restricted",
            "erased",
        )
    }
    for name, contact in people.items():
        if name != "never-asked":
            ledger.record(SYSTEM, [contact.subject], DM, "granted", "web_form", notice)
    ledger.record(SYSTEM, [people["withdrawn"].subject], DM, "withdrawn", "email", None)
    suppression.add(SYSTEM, [("email", "objected@example.org")], "objection")
    suppression.add(SYSTEM, [("email", "suppressed@example.org")], "erasure")
    Subject.objects.filter(pk=people["restricted"].subject_id).update(status="restricted")
    Subject.objects.filter(pk=people["erased"].subject_id).update(status="erased")
    campaign = lists.create_list(SYSTEM, "Vårkampanj")
    for contact in people.values():
        lists.add_member(SYSTEM, campaign, contact)
    return campaign, people


def test_eligible_lets_through_only_the_consented(world):
    _, people = world
    ids = [c.subject_id for c in people.values()]
    assert eligibility.eligible(ids) == {people["consented"].subject_id}


def test_a_list_shows_only_eligible_members(world):
    campaign, people = world
    found = lists.members(campaign)
    assert found.contacts == [people["consented"]]
    assert found.excluded == 6


def test_the_marketing_role_reads_the_list_with_names_and_emails(world):
    campaign, people = world
    client, _ = client_with("marketing", "marketer")
    shown = client.get(f"/api/v1/marketing/lists/{campaign.pk}").json()
    assert [m["email"] for m in shown["results"]] == ["consented@example.org"]
    assert isinstance(shown["results"][0]["last_name"], str)
    assert (shown["eligible"], shown["excluded"], shown["members"]) == (1, 6, 7)
    page = client.get(f"/marketing/lists/{campaign.pk}/").content.decode()
    assert "consented@example.org" in page
    for name in people:
        if name != "consented":
            assert f"{name}@example.org" not in page


def test_the_export_holds_only_eligible_members_with_their_withdrawal_link(world):
    campaign, people = world
    client, _ = client_with("marketing", "exporter", fresh=True)
    response = client.get(f"/api/v1/marketing/lists/{campaign.pk}/export.csv")
    assert response.status_code == 200
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    assert [r["email"] for r in rows] == ["consented@example.org"]
    link = rows[0]["withdraw_link"]
    assert link.startswith("http://testserver/consent/withdraw/link/")
    token = link.rstrip("/").rsplit("/", 1)[1]
    assert public.withdrawal_for(token)[0] == people["consented"].subject
    event = AuditEvent.objects.filter(action=Action.EXPORT, record_kind="marketing_list").get()
    assert event.detail == {"members": 1, "excluded": 6, "format": "csv"}
    page = client.get(f"/marketing/lists/{campaign.pk}/export.csv")
    assert page.status_code == 200 and b"consented@example.org" in page.content


def test_an_export_asks_for_the_password_again(world):
    campaign, _ = world
    client, _ = client_with("marketing", "stale")
    assert client.get(f"/api/v1/marketing/lists/{campaign.pk}/export.csv").status_code == 403
    page = client.get(f"/marketing/lists/{campaign.pk}/export.csv")
    assert page.status_code == 302 and page["Location"].startswith("/reauth/")


def test_the_export_keeps_formulas_as_text(make_contact, notice):
    contact = make_contact(first_name='=HYPERLINK("http://evil")', email=["f@example.org"])
    ledger.record(SYSTEM, [contact.subject], DM, "granted", "phone", notice)
    campaign = lists.create_list(SYSTEM, "Formler")
    lists.add_member(SYSTEM, campaign, contact)
    text = lists.export_csv(SYSTEM_MARKETER, campaign, lambda token: f"http://x/{token}/")
    (row,) = csv.DictReader(io.StringIO(text))
    assert row["first_name"] == '\'=HYPERLINK("http://evil")'


def test_a_withdrawal_takes_a_person_off_every_list_at_once(world, notice):
    campaign, people = world
    other = lists.create_list(SYSTEM, "Höstkampanj")
    lists.add_member(SYSTEM, other, people["consented"])
    ledger.record(SYSTEM, [people["consented"].subject], DM, "withdrawn", "email", None)
    assert lists.members(campaign).contacts == lists.members(other).contacts == []


def test_under_legitimate_interest_no_consent_is_needed_but_objections_count(world, monkeypatch):
    monkeypatch.setitem(eligibility.BASES, DM, eligibility.LEGITIMATE_INTEREST)
    campaign, people = world
    shown = {c.pk for c in lists.members(campaign).contacts}
    assert shown == {people["consented"].pk, people["never-asked"].pk}


@pytest.mark.parametrize("role", ["sales", "support", "finance", "dpo", "auditor", "admin", None])
def test_only_the_marketing_role_reads_a_list(world, role):
    campaign, _ = world
    client, _ = client_with(role, f"not-marketing-{role}", fresh=True)
    for path in (
        f"/api/v1/marketing/lists/{campaign.pk}",
        f"/api/v1/marketing/lists/{campaign.pk}/export.csv",
        f"/marketing/lists/{campaign.pk}/",
        f"/marketing/lists/{campaign.pk}/export.csv",
    ):
        assert client.get(path).status_code == 403, (role, path)


def test_sales_put_only_contacts_they_own_on_a_list(make_contact):
    client, seller = client_with("sales", "seller")
    own, others = make_contact(seller), make_contact()
    campaign = lists.create_list(SYSTEM, "Säljarnas lista")
    url = f"/api/v1/marketing/lists/{campaign.pk}/members"
    assert post(client, url, {"contact": own.pk}).status_code == 201
    assert post(client, url, {"contact": own.pk}).status_code == 200
    assert post(client, url, {"contact": others.pk}).status_code == 403
    assert post(client, url, {"contact": "x"}).json()["errors"] == {
        "contact": ["give the id of a contact (an integer)"]
    }
    assert list(campaign.members.values_list("contact", flat=True)) == [own.pk]
    assert client.delete(f"{url}/{others.pk}").status_code == 403
    assert client.delete(f"{url}/{own.pk}").status_code == 204
    assert not campaign.members.exists()


def test_sales_add_from_the_contact_page(make_contact):
    client, seller = client_with("sales", "page-seller")
    own = make_contact(seller)
    campaign = lists.create_list(SYSTEM, "Från kontaktsidan")
    page = client.get(f"/contacts/{own.pk}/").content.decode()
    assert "Put on a list" in page and "Från kontaktsidan" in page
    response = client.post(
        "/marketing/members/", {"list": campaign.pk, "contact": own.pk, "back": "contact"}
    )
    assert response.status_code == 303 and response["Location"] == f"/contacts/{own.pk}/"
    assert ListMember.objects.filter(marketing_list=campaign, contact=own).exists()


def test_marketing_creates_and_deletes_lists():
    client, _ = client_with("marketing", "maker")
    created = post(client, "/api/v1/marketing/lists", {"name": "Nyhetsbrev"})
    assert created.status_code == 201
    assert post(client, "/api/v1/marketing/lists", {"name": "Nyhetsbrev"}).json()["errors"] == {
        "name": ["a list with this name exists"]
    }
    assert post(client, "/api/v1/marketing/lists", {"name": " "}).status_code == 400
    page = client.post("/marketing/lists/", {"name": "Via sidan"})
    assert page.status_code == 303
    assert [item["name"] for item in client.get("/api/v1/marketing/lists").json()] == [
        "Nyhetsbrev",
        "Via sidan",
    ]
    assert client.delete(f"/api/v1/marketing/lists/{created.json()['id']}").status_code == 204
    assert list(MarketingList.objects.values_list("name", flat=True)) == ["Via sidan"]


def test_erasing_a_person_takes_them_off_lists(world):
    campaign, people = world
    ledger.forget([people["consented"].subject_id])
    assert not ListMember.objects.filter(contact=people["consented"]).exists()
    assert lists.members(campaign).contacts == []


SYSTEM_MARKETER = eligibility.CHECKER


def test_the_demo_fills_consents_and_a_newsletter_with_people_on_both_sides(make_contact):
    import random

    from lethe.consent import demo

    for _ in range(30):
        make_contact()
    demo.fill(SYSTEM, random.Random(5))
    newsletter = MarketingList.objects.get(name="Newsletter")
    found = lists.members(newsletter)
    assert found.contacts and found.excluded
