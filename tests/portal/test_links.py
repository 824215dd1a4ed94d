"""Following the e-mailed link: it registers and verifies the request once; forged,
reused and expired links are refused with a clear page and change nothing."""

import dataclasses

import pytest
from django.core import mail, signing
from django.test import Client

from lethe.audit.models import AuditEvent
from lethe.dsr import register
from lethe.dsr.models import Request
from lethe.portal import actions
from lethe.portal.models import Link
from lethe.vault.models import Document, RecordKey
from lethe.vault.policy import Actor
from tests.conftest import ALL
from tests.portal.conftest import ask, confirm, last_link, later

pytestmark = pytest.mark.django_db(databases=ALL)


def state() -> tuple:
    """What a refused link must leave as it was."""
    return (
        list(Request.objects.values_list("pk", "status")),
        list(Link.objects.values_list("pk", "used_at", "request")),
        Document.objects.count(),
        RecordKey.objects.filter(shredded_at__isnull=True).count(),
        len(mail.outbox),
    )


def test_opening_the_link_only_shows_a_button_and_changes_nothing(stranger):
    ask(Client(), stranger, kind="objection")
    link, before = last_link(stranger), state()
    page = Client().get(link)
    assert page.status_code == 200
    assert "Confirm my request" in page.text and "direct marketing" in page.text
    assert page["Referrer-Policy"] == "strict-origin"
    assert page["Cache-Control"] == "no-store"
    assert state() == before


def test_a_confirmed_link_registers_a_verified_portal_request_and_shows_it(stranger):
    ask(Client(), stranger, kind="rectification", correction="My street is Storgatan 3, not 5")
    client = Client()
    response = confirm(client, last_link(stranger))
    assert (response.status_code, response["Location"]) == (303, "/portal/request/")
    dsr = Request.objects.get()
    assert (dsr.kind, dsr.source, dsr.identified_by, dsr.status) == (
        "rectification",
        "portal",
        "email",
        "verified",
    )
    assert (dsr.verification_method, dsr.verified_by) == ("e-mail link", "portal")
    assert dsr.verified_at is not None
    assert register.identifiers(Actor.system("tests"), dsr) == {
        "email": stranger,
        "correction": "My street is Storgatan 3, not 5",
    }
    steps = list(dsr.steps.values_list("step", "by", "status", "detail"))
    assert steps == [
        ("received", "system:portal", "received", {}),
        ("verified", "system:portal", "verified", {"method": "e-mail link"}),
    ]
    audited = AuditEvent.objects.filter(record_kind="dsr", record_id=str(dsr.pk))
    assert list(audited.values_list("detail__step", flat=True)) == ["received", "verified"]
    # The waiting copy of the details is destroyed; the request holds them now.
    link = Link.objects.get()
    assert link.request == dsr and link.details is None
    assert RecordKey.objects.get(pk=link.record_key_id).shredded_at is not None
    # The person is told, with where to follow the request.
    message = mail.outbox[-1]
    assert message.to == [stranger] and f"#{dsr.pk}" in message.subject
    assert "http://testserver/portal/follow/" in message.body
    page = client.get("/portal/request/")
    assert page.status_code == 200
    assert "Rectification" in page.text and "Verified" in page.text
    assert "E-mail address confirmed" in page.text
    assert dsr.deadline.isoformat() in page.text


def test_a_reused_link_is_refused_and_changes_nothing(stranger):
    ask(Client(), stranger)
    link = last_link(stranger)
    assert confirm(Client(), link).status_code == 303
    before = state()
    for method in ("get", "post"):
        again = getattr(Client(), method)(link)
        assert again.status_code == 410
        assert "has been used already" in again.text and "Nothing was changed" in again.text
    assert state() == before
    assert Request.objects.count() == 1


@pytest.mark.parametrize(
    "forge",
    [
        lambda token: token[:-2] + ("AA" if not token.endswith("AA") else "BB"),
        lambda token: "not-a-token",
        lambda token: signing.dumps(signing.loads(token, salt="lethe.portal.link"), salt="other"),
    ],
    ids=["altered", "garbage", "other-salt"],
)
def test_a_forged_link_is_refused_and_changes_nothing(stranger, forge):
    ask(Client(), stranger)
    token = last_link(stranger).split("/")[-2]
    before = state()
    forged = f"/portal/link/{forge(token)}/"
    for method in ("get", "post"):
        response = getattr(Client(), method)(forged)
        assert response.status_code == 400
        assert "not one of ours" in response.text
    assert state() == before


def test_a_link_with_a_wrong_nonce_signed_with_the_right_key_is_still_refused(stranger):
    ask(Client(), stranger)
    payload = signing.loads(last_link(stranger).split("/")[-2], salt="lethe.portal.link")
    guessed = signing.dumps({**payload, "n": "guessed"}, salt="lethe.portal.link")
    before = state()
    assert Client().post(f"/portal/link/{guessed}/").status_code == 400
    assert state() == before


def test_an_expired_link_is_refused_and_changes_nothing_and_is_purged_later(stranger):
    ask(Client(), stranger)
    link = last_link(stranger)
    before = state()
    with later(hours=24, minutes=1):
        for method in ("get", "post"):
            response = getattr(Client(), method)(link)
            assert response.status_code == 410
            assert "has expired" in response.text
        assert state() == before
        purged = actions.purge_expired(Actor.system("tests"))
    assert purged["expired"] == 1
    assert Link.objects.count() == 0 and Document.objects.count() == 0
    assert Client().post(link).status_code == 410  # the token still checks out; its link is gone


def test_a_link_still_works_just_before_it_expires(stranger):
    ask(Client(), stranger)
    with later(hours=23, minutes=59):
        assert confirm(Client(), last_link(stranger)).status_code == 303
    assert Request.objects.get().status == "verified"


def test_the_link_lifetime_follows_the_setting(stranger, settings):
    settings.CONFIG = dataclasses.replace(settings.CONFIG, portal_link_hours=2)
    ask(Client(), stranger)
    assert "within 2 hours" in mail.outbox[0].body
    with later(hours=2, minutes=1):
        assert Client().get(last_link(stranger)).status_code == 410


def test_confirming_needs_the_pages_csrf_token(stranger):
    ask(Client(), stranger)
    link = last_link(stranger)
    browser = Client(enforce_csrf_checks=True)
    page = browser.get(link)
    before = state()
    assert browser.post(link).status_code == 403
    assert state() == before
    token = page.context["csrf_token"]
    assert browser.post(link, {"csrfmiddlewaretoken": token}).status_code == 303
    assert Request.objects.count() == 1
