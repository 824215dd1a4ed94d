"""The contact page: one form, one button to grant and one to withdraw (Art. 7(3))."""

import re

import pytest

from lethe.consent import ledger
from lethe.consent.models import ConsentEvent
from tests.conftest import ALL
from tests.consent.conftest import DM
from tests.helpers import client_with

pytestmark = pytest.mark.django_db(databases=ALL)


class Browser:
    """Open pages and press buttons as a person would, counting each step."""

    def __init__(self, client):
        self.client, self.steps, self.page = client, 0, ""

    def open(self, path):
        self.steps += 1
        response = self.client.get(path)
        assert response.status_code == 200
        self.page = response.content.decode()

    def press(self, button: str):
        """Submit the form that holds `button` with the values the page put in it."""
        form = next(
            f
            for f in re.findall(r"<form[^>]*>.*?</form>", self.page, re.S)
            if f">{button}</button>" in f
        )
        action = re.search(r'action="([^"]+)"', form).group(1)
        data = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', form))
        for name, value in re.findall(
            r'<select name="([^"]+)"[^>]*>.*?<option value="([^"]*)" selected', form, re.S
        ):
            data[name] = value
        textarea = re.search(r'<textarea name="([^"]+)"[^>]*>(.*?)</textarea>', form, re.S)
        if textarea:
            data[textarea.group(1)] = textarea.group(2).strip()
        pressed = re.search(rf'name="([^"]+)" value="([^"]+)">{button}</button>', form)
        if pressed:
            data[pressed.group(1)] = pressed.group(2)
        self.steps += 1
        response = self.client.post(action, data, follow=True)
        assert response.status_code == 200
        self.page = response.content.decode()


def test_granting_and_withdrawing_on_the_contact_page_take_the_same_steps(make_contact):
    client, seller = client_with("sales", "page-seller")
    contact = make_contact(seller)
    granting = Browser(client)
    granting.open(f"/contacts/{contact.pk}/")
    granting.press("Record consent")
    assert "The consent is recorded" in granting.page
    assert ledger.consented([contact.subject_id], DM) == {contact.subject_id}
    withdrawing = Browser(client)
    withdrawing.open(f"/contacts/{contact.pk}/")
    withdrawing.press("Record withdrawal")
    assert "The withdrawal is recorded" in withdrawing.page
    assert ledger.consented([contact.subject_id], DM) == set()
    assert granting.steps == withdrawing.steps == 2
    events = ledger.history(contact.subject_id)
    assert [(e.state, e.channel) for e in events] == [("granted", "phone"), ("withdrawn", "phone")]
    assert events[0].notice is not None
    assert "Direct marketing: withdrawn" in withdrawing.page


def test_the_page_shows_a_form_error_and_records_nothing(make_contact):
    client, seller = client_with("sales", "error-seller")
    contact = make_contact(seller)
    response = client.post(
        f"/contacts/{contact.pk}/consents/",
        {"purpose": DM, "channel": "phone", "notice": "", "state": "granted"},
        follow=True,
    )
    assert "Consent not recorded. Notice:" in response.content.decode()
    response = client.post(
        f"/contacts/{contact.pk}/consents/",
        {"purpose": "accountability", "channel": "phone", "notice": "x", "state": "granted"},
        follow=True,
    )
    assert "Consent not recorded. Purpose:" in response.content.decode()
    assert ConsentEvent.objects.count() == 0


def test_who_does_not_work_with_the_contact_sees_the_ledger_but_no_form(make_contact):
    _, owner = client_with("sales", "owner")
    contact = make_contact(owner)
    for role in ("sales", "marketing", "support"):
        client, _ = client_with(role, f"other-{role}")
        page = client.get(f"/contacts/{contact.pk}/").content.decode()
        assert "Consents" in page and "Record consent" not in page
        response = client.post(
            f"/contacts/{contact.pk}/consents/",
            {"purpose": DM, "channel": "phone", "notice": "x", "state": "granted"},
        )
        assert response.status_code == 403
    assert ConsentEvent.objects.count() == 0
