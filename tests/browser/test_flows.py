"""The main flow in a real browser: log in, find a contact by the first letters of the
surname, open it, log a call, move a deal on, and see both on the timeline."""

import pytest

from lethe.accounts.models import RoleGrant, User
from lethe.companies.models import Company
from lethe.contacts.actions import create_contact
from lethe.deals.models import Deal, DealContact, Pipeline, Stage
from lethe.vault.policy import Actor, Purpose
from tests.conftest import ALL
from tests.helpers import PASSWORD

pytestmark = pytest.mark.django_db(databases=ALL, transaction=True)


@pytest.fixture
def seller():
    user = User.objects.create_user("saljare@lethe.example", PASSWORD)
    RoleGrant.objects.create(user=user, role="sales")
    return user


@pytest.fixture
def world(seller):
    company = Company.objects.create(name="Fjällbolaget AB", city="Kiruna", owner=seller)
    contact = create_contact(
        Actor.system("tests"),
        Purpose.CUSTOMER_RELATIONSHIP,
        {"first_name": "Åsa", "last_name": "Öström", "email": ["asa.ostrom@example.com"]},
        {"company": company},
        owner=seller,
    )
    # Transactional tests empty the tables between tests, migration data included, so
    # the flow brings its own pipeline.
    pipeline = Pipeline.objects.create(name="Nyförsäljning")
    first, second, *_ = Stage.objects.bulk_create(
        Stage(pipeline=pipeline, name=name, position=i, probability=p, kind=kind)
        for i, (name, p, kind) in enumerate(
            [("Kvalificering", 10, "open"), ("Offert", 50, "open"), ("Vunnen", 100, "won")]
        )
    )
    deal = Deal.objects.create(
        title="Fjällbolaget: licenser",
        company=company,
        amount=120000,
        pipeline=first.pipeline,
        stage=first,
        owner=seller,
    )
    DealContact.objects.create(deal=deal, contact=contact, role="decision_maker")
    return {"company": company, "contact": contact, "deal": deal, "next": second}


def log_in(page, live_server, email):
    page.goto(f"{live_server.url}/login/")
    page.get_by_label("E-mail").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(f"{live_server.url}/")


def test_log_in_find_a_contact_by_surname_prefix_and_open_it(page, live_server, world, shots):
    log_in(page, live_server, "saljare@lethe.example")
    shots(page, "home")
    page.get_by_role("link", name="Contacts").first.click()
    page.get_by_label("Search (name, e-mail, phone or identity number)").fill("ost")
    page.get_by_role("button", name="Search").click()
    shots(page, "contacts-search")
    page.get_by_role("link", name="Åsa Öström").click()
    page.wait_for_url(f"{live_server.url}/contacts/{world['contact'].pk}/")
    assert "asa.ostrom@example.com" in page.content()
    shots(page, "contact")


def test_move_a_deal_to_the_next_stage_on_the_board(page, live_server, world, shots):
    log_in(page, live_server, "saljare@lethe.example")
    page.get_by_role("link", name="Deals").first.click()
    shots(page, "deals")
    deal, nxt = world["deal"], world["next"]
    page.goto(f"{live_server.url}/deals/board/{deal.pipeline_id}/")
    card = page.locator("article.deal-card", has_text=deal.title)
    assert card.get_by_label("Move to").input_value() == str(nxt.pk)
    card.get_by_role("button", name="Move").click()
    column = page.locator("section.column", has=page.get_by_role("heading", name=nxt.name))
    column.locator("article.deal-card", has_text=deal.title).wait_for()
    deal.refresh_from_db()
    assert deal.stage_id == nxt.pk
    shots(page, "board")


def test_log_a_call_on_the_contact_page_and_see_it_on_the_timeline(page, live_server, world, shots):
    from lethe.activities.models import Activity

    log_in(page, live_server, "saljare@lethe.example")
    contact = world["contact"]
    page.goto(f"{live_server.url}/contacts/{contact.pk}/")
    page.get_by_label("Kind").select_option("call")
    page.get_by_role("textbox", name="Text").fill("Ringde om licenserna <b>nu</b>")
    page.get_by_role("button", name="Log activity").click()
    timeline = page.locator("ol.timeline")
    timeline.get_by_text("Ringde om licenserna <b>nu</b>").wait_for()
    assert page.url == f"{live_server.url}/contacts/{contact.pk}/"  # swapped in, no reload
    assert timeline.get_by_text(world["deal"].title).count() == 1
    page.get_by_label("Kind").select_option("task")
    page.get_by_role("textbox", name="Text").fill("Skicka offert")
    page.get_by_role("button", name="Log activity").click()
    page.locator("#due_date-error").wait_for()
    assert "give a task a due date" in page.locator("#due_date-error").inner_text()
    page.get_by_label("Due date (tasks)").fill("2030-05-01")
    page.get_by_role("button", name="Log activity").click()
    timeline.get_by_text("Skicka offert").wait_for()
    shots(page, "contact-timeline")
    page.get_by_role("link", name="My tasks").click()
    task = page.locator("ol.tasks > li", has_text="Skicka offert")
    task.get_by_role("button", name="Done").click()
    task.wait_for(state="detached")
    assert Activity.objects.get(kind="task").done_at is not None


def test_the_day_to_day_flow_from_search_to_timeline(page, live_server, world, shots):
    """The issue's flow in one go: find by surname prefix, open, log a call, move the
    deal on, and see both on the contact's timeline."""
    log_in(page, live_server, "saljare@lethe.example")
    page.get_by_label("Search", exact=True).fill("öst")
    page.get_by_role("button", name="Go").click()
    shots(page, "search")
    page.get_by_role("link", name="Åsa Öström").first.click()
    contact, deal, nxt = world["contact"], world["deal"], world["next"]
    page.wait_for_url(f"{live_server.url}/contacts/{contact.pk}/")
    assert page.title() == "Contact · Lethe"
    assert page.get_by_role("heading", level=1).inner_text() == "Åsa Öström"
    page.get_by_label("Kind").select_option("call")
    page.get_by_role("textbox", name="Text").fill("Ringde om förnyelsen")
    page.get_by_role("button", name="Log activity").click()
    page.locator("ol.timeline").get_by_text("Ringde om förnyelsen").wait_for()
    page.goto(f"{live_server.url}/deals/board/{deal.pipeline_id}/")
    page.locator("article.deal-card", has_text=deal.title).get_by_role(
        "button", name="Move"
    ).click()
    page.locator("section.column", has=page.get_by_role("heading", name=nxt.name)).locator(
        "article.deal-card", has_text=deal.title
    ).wait_for()
    page.goto(f"{live_server.url}/contacts/{contact.pk}/")
    timeline = page.locator("ol.timeline")
    assert timeline.get_by_text("Ringde om förnyelsen").count() == 1
    deal_entry = timeline.locator("li.timeline-deal", has_text=deal.title)
    assert nxt.name in deal_entry.inner_text()
    shots(page, "timeline")
    page.set_viewport_size({"width": 390, "height": 844})  # a phone
    shots(page, "contact-phone")
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0, f"the contact page scrolls sideways on a phone by {overflow}px"
