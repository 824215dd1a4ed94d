"""The public consent and withdrawal pages: same answer for everyone, single-use expiring
links, leads for new addresses unless suppressed, and the same steps both ways."""

import datetime
import re

import pytest
from django.test import Client, override_settings
from django.utils import timezone

from lethe.consent import ledger, public, throttle
from lethe.consent.models import ConsentEvent, PendingConfirmation
from lethe.contacts.models import Contact
from lethe.dsr import suppression
from lethe.vault.models import Document, RecordKey, Subject
from tests.audit.test_coverage import leaks
from tests.conftest import ALL
from tests.consent.conftest import DM, SYSTEM

pytestmark = pytest.mark.django_db(databases=ALL)

LINK = re.compile(r"http://testserver(/consent/(?:confirm|withdraw/link)/[^/\s]+/)")
KNOWN = "kand.person@example.org"
UNKNOWN = "okand.person@example.org"


class Person:
    """A visitor's browser (CSRF checked), counting the pages it opens and buttons it presses."""

    def __init__(self):
        self.client, self.steps, self.last = Client(enforce_csrf_checks=True), 0, None

    def open(self, path):
        self.steps += 1
        self.last = self.client.get(path)
        return self.last

    def press(self, path, data):
        """Press the button of the page open now: its CSRF token goes along."""
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', self.last.content.decode())
        self.steps += 1
        self.last = self.client.post(path, {"csrfmiddlewaretoken": token.group(1), **data})
        return self.last


def give(person: Person, email: str, **names):
    page = person.open("/consent/")
    notice = re.search(r'name="notice" value="([0-9a-f]{64})"', page.content.decode()).group(1)
    return person.press("/consent/", {"email": email, "notice": notice, **names})


def withdraw(person: Person, email: str):
    person.open("/consent/withdraw/")
    return person.press("/consent/withdraw/", {"email": email})


def follow(person: Person, mail):
    """Open the e-mailed link and press its one button."""
    path = LINK.search(mail.body).group(1)
    assert person.open(path).status_code == 200
    return person.press(path, {})


def visible(response) -> str:
    """The page as a person reads it, without the per-request CSRF token."""
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", response.content.decode())


@pytest.fixture
def known(make_contact):
    return make_contact(email=[KNOWN])


def test_consent_is_recorded_only_after_the_emailed_link_with_the_notice_shown(
    known, notice, mailoutbox
):
    person = Person()
    assert notice.text.split(".")[0] in person.open("/consent/").content.decode()
    give(person, KNOWN)
    assert ConsentEvent.objects.count() == 0
    assert [m.to for m in mailoutbox] == [[KNOWN]]
    assert follow(person, mailoutbox[0]).status_code == 200
    event = ConsentEvent.objects.get()
    assert (event.subject_id, event.notice, event.channel) == (known.subject_id, notice, "web_form")
    assert event.double_opt_in and event.requested_at <= event.at
    assert event.recorded_by == "system:consent-form:confirmed"


def test_known_unknown_and_suppressed_addresses_get_the_same_answer(known, mailoutbox):
    suppressed = "invande.person@example.org"
    suppression.add(SYSTEM, [("email", suppressed)], "objection")
    pages = [visible(give(Person(), email)) for email in (KNOWN, UNKNOWN, suppressed)]
    assert pages[0] == pages[1] == pages[2]
    withdrawals = [visible(withdraw(Person(), email)) for email in (KNOWN, UNKNOWN, suppressed)]
    assert withdrawals[0] == withdrawals[1] == withdrawals[2]
    # Consent links went to the known and unknown address, a withdrawal link to the known one.
    assert sorted(m.to[0] for m in mailoutbox) == sorted([KNOWN, UNKNOWN, KNOWN])


def test_an_unknown_address_becomes_a_lead_once_confirmed(notice, mailoutbox):
    person = Person()
    give(person, UNKNOWN, first_name="Ines", last_name="Okänd")
    assert Contact.objects.count() == 0
    follow(person, mailoutbox[0])
    contact = Contact.objects.get()
    assert (contact.stage, contact.source, contact.owner) == ("lead", "web_form", None)
    assert ledger.consented([contact.subject_id], DM) == {contact.subject_id}
    assert public.subjects_with(UNKNOWN) == [contact.subject]


def test_a_suppressed_address_is_sent_nothing_and_nothing_is_recorded(mailoutbox):
    suppression.add(SYSTEM, [("email", UNKNOWN)], "erasure")
    give(Person(), UNKNOWN)
    assert mailoutbox == []
    assert PendingConfirmation.objects.count() == Contact.objects.count() == 0
    assert ConsentEvent.objects.count() == 0


def test_suppression_between_asking_and_confirming_still_records_nothing(mailoutbox):
    person = Person()
    give(person, UNKNOWN)
    suppression.add(SYSTEM, [("email", UNKNOWN)], "objection")
    assert follow(person, mailoutbox[0]).status_code == 200
    assert Contact.objects.count() == ConsentEvent.objects.count() == 0


def test_the_link_works_once(known, mailoutbox):
    person = Person()
    give(person, KNOWN)
    path = LINK.search(mailoutbox[0].body).group(1)
    follow(person, mailoutbox[0])
    assert Person().open(path).status_code == 404
    assert public.confirm(path.split("/")[-2]) is False
    assert ConsentEvent.objects.count() == 1
    # What the person typed was sealed under a key of its own, destroyed once used.
    assert PendingConfirmation.objects.count() == 0
    assert not RecordKey.objects.filter(kind=public.KEY_KIND, shredded_at__isnull=True).exists()
    assert not Document.objects.filter(kind=public.KEY_KIND).exists()


def test_the_link_expires(known, mailoutbox):
    person = Person()
    give(person, KNOWN)
    path = LINK.search(mailoutbox[0].body).group(1)
    later = timezone.now() + datetime.timedelta(hours=49)
    PendingConfirmation.objects.update(expires_at=timezone.now() - datetime.timedelta(seconds=1))
    assert person.open(path).status_code == 404
    assert public.purge_expired(later) == 1
    assert not RecordKey.objects.filter(kind=public.KEY_KIND, shredded_at__isnull=True).exists()
    assert ConsentEvent.objects.count() == 0


def test_a_forged_or_altered_link_does_nothing(known, mailoutbox):
    person = Person()
    give(person, KNOWN)
    path = LINK.search(mailoutbox[0].body).group(1)
    token = path.split("/")[-2]
    for bad in (token[:-2] + ("AA" if not token.endswith("AA") else "BB"), "not-a-token"):
        assert Person().open(f"/consent/confirm/{bad}/").status_code == 404
    assert ConsentEvent.objects.count() == 0


def test_what_the_person_typed_is_never_stored_in_plaintext(mailoutbox):
    person = Person()
    give(person, UNKNOWN, first_name="Ines", last_name="Hemligsdotter")
    sealed = bytes(PendingConfirmation.objects.get().details.ciphertext)
    assert b"Hemligsdotter" not in sealed and UNKNOWN.encode() not in sealed
    follow(person, mailoutbox[0])
    assert ConsentEvent.objects.count() == 1
    assert leaks({"Ines", "Hemligsdotter", UNKNOWN}) == []


def test_granting_and_withdrawing_take_the_same_steps_with_double_opt_in(known, mailoutbox):
    granting = Person()
    give(granting, KNOWN)
    follow(granting, mailoutbox[-1])
    assert ledger.consented([known.subject_id], DM) == {known.subject_id}
    withdrawing = Person()
    withdraw(withdrawing, KNOWN)
    follow(withdrawing, mailoutbox[-1])
    assert ledger.consented([known.subject_id], DM) == set()
    assert withdrawing.steps == granting.steps == 4
    assert [e.state for e in ledger.history(known.subject_id)] == ["granted", "withdrawn"]


@override_settings(LETHE_CONSENT_DOUBLE_OPT_IN=False)
def test_without_double_opt_in_both_take_two_steps_and_record_at_once(known, mailoutbox):
    granting, withdrawing = Person(), Person()
    give(granting, KNOWN)
    assert ledger.consented([known.subject_id], DM) == {known.subject_id}
    withdraw(withdrawing, KNOWN)
    assert ledger.consented([known.subject_id], DM) == set()
    assert granting.steps == withdrawing.steps == 2
    assert mailoutbox == []
    assert visible(give(Person(), UNKNOWN)) == visible(give(Person(), KNOWN))


def test_the_link_in_a_marketing_email_withdraws_with_one_button(known, notice):
    ledger.record(SYSTEM, [known.subject], DM, "granted", "phone", notice)
    path = f"/consent/withdraw/link/{public.withdrawal_token(known.subject_id)}/"
    person = Person()
    assert "Withdraw my consent" in person.open(path).content.decode()
    assert ledger.consented([known.subject_id], DM) == {known.subject_id}
    assert person.press(path, {}).status_code == 200
    assert person.steps == 2
    event = ledger.latest([known.subject_id], DM)[(known.subject_id, DM)]
    assert (event.state, event.channel) == ("withdrawn", "email")
    assert Person().open("/consent/withdraw/link/forged/").status_code == 404


def test_a_withdrawal_link_of_an_erased_person_records_nothing(known, notice):
    from lethe.contacts.deletion import delete_contact

    path = f"/consent/withdraw/link/{public.withdrawal_token(known.subject_id)}/"
    delete_contact(SYSTEM, DM, known)
    person = Person()
    person.open(path)
    assert person.press(path, {}).status_code == 200
    assert ConsentEvent.objects.count() == 0
    assert Subject.objects.get(pk=known.subject_id).status == "erased"


def test_the_forms_are_rate_limited_per_address(mailoutbox, monkeypatch):
    monkeypatch.setattr(throttle, "EMAIL_LIMIT", 2)
    answers = [give(Person(), UNKNOWN).status_code for _ in range(3)]
    assert answers == [200, 200, 429]
    assert len(mailoutbox) == 2
    monkeypatch.setattr(throttle, "ADDRESS_LIMIT", 3)
    answers = [give(Person(), f"person{n}@example.org").status_code for n in range(3)]
    assert answers == [200, 429, 429]  # the address already sent three


@pytest.mark.parametrize(
    ("data", "field"),
    [({"email": "not an address"}, "email"), ({"email": ""}, "email")],
)
def test_a_bad_address_is_a_form_error(data, field, mailoutbox):
    person = Person()
    person.open("/consent/withdraw/")
    response = person.press("/consent/withdraw/", data)
    assert response.status_code == 400
    assert f'id="id_{field}_error"' in response.content.decode()
    assert mailoutbox == []


def test_a_stale_notice_is_a_form_error(mailoutbox):
    person = Person()
    person.open("/consent/")
    response = person.press("/consent/", {"email": UNKNOWN, "notice": "0" * 64})
    assert response.status_code == 400
    assert "read it again" in response.content.decode()
    assert mailoutbox == []
