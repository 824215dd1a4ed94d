"""Withdrawing consent takes no more clicks than giving it (Art. 7(3)), in a real browser:
on the contact page, and on the public pages with double opt-in by e-mail."""

import re

import pytest
from django.core import mail

from lethe.accounts.models import RoleGrant, User
from lethe.consent import ledger
from lethe.contacts.actions import create_contact
from lethe.vault.policy import Actor, Purpose
from tests.browser.test_flows import log_in
from tests.conftest import ALL
from tests.helpers import PASSWORD

pytestmark = pytest.mark.django_db(databases=ALL, transaction=True)

DM = Purpose.DIRECT_MARKETING
ADDRESS = "sigrid.samtycke@example.org"
LINK = re.compile(r"http://[^/\s]+(/consent/confirm/[^/\s]+/)")


class Steps:
    """Counts what a person does: pages opened and buttons clicked."""

    def __init__(self, page, base: str):
        self.page, self.base, self.visits, self.clicks = page, base, 0, 0

    def visit(self, path: str) -> None:
        self.visits += 1
        self.page.goto(f"{self.base}{path}")

    def click(self, name: str) -> None:
        self.clicks += 1
        self.page.get_by_role("button", name=name).click()
        self.page.wait_for_load_state()


@pytest.fixture
def contact():
    seller = User.objects.create_user("saljare@lethe.example", PASSWORD)
    RoleGrant.objects.create(user=seller, role="sales")
    return create_contact(
        Actor.system("tests"),
        Purpose.CUSTOMER_RELATIONSHIP,
        {"first_name": "Sigrid", "last_name": "Samtycke", "email": [ADDRESS]},
        {},
        owner=seller,
    )


def test_on_the_contact_page_each_takes_one_click(page, live_server, contact, shots):
    log_in(page, live_server, "saljare@lethe.example")
    granting = Steps(page, live_server.url)
    granting.visit(f"/contacts/{contact.pk}/")
    granting.click("Record consent")
    page.get_by_text("The consent is recorded").wait_for()
    assert ledger.consented([contact.subject_id], DM) == {contact.subject_id}
    shots(page, "contact-consents")
    withdrawing = Steps(page, live_server.url)
    withdrawing.visit(f"/contacts/{contact.pk}/")
    withdrawing.click("Record withdrawal")
    page.get_by_text("The withdrawal is recorded").wait_for()
    assert ledger.consented([contact.subject_id], DM) == set()
    assert (granting.visits, granting.clicks) == (withdrawing.visits, withdrawing.clicks) == (1, 1)


def confirm_by_mail(steps: Steps, button: str) -> None:
    path = LINK.search(mail.outbox[-1].body).group(1)
    steps.visit(path)
    steps.click(button)


def test_on_the_public_pages_withdrawing_takes_the_clicks_giving_does(
    page, live_server, contact, shots
):
    giving = Steps(page, live_server.url)
    giving.visit("/consent/")
    page.get_by_label("E-mail address").fill(ADDRESS)
    shots(page, "consent-form")
    giving.click("I agree")
    page.get_by_role("status").wait_for()
    assert ledger.consented([contact.subject_id], DM) == set()  # not before the link
    confirm_by_mail(giving, "Confirm my consent")
    page.get_by_text("Your confirmation is recorded").wait_for()
    assert ledger.consented([contact.subject_id], DM) == {contact.subject_id}

    withdrawing = Steps(page, live_server.url)
    withdrawing.visit("/consent/withdraw/")
    page.get_by_label("E-mail address").fill(ADDRESS)
    withdrawing.click("Withdraw my consent")
    page.get_by_role("status").wait_for()
    confirm_by_mail(withdrawing, "Confirm my withdrawal")
    page.get_by_text("Your withdrawal is recorded").wait_for()
    assert ledger.consented([contact.subject_id], DM) == set()
    assert (withdrawing.visits, withdrawing.clicks) == (giving.visits, giving.clicks) == (2, 2)
