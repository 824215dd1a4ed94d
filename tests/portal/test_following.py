"""Following a request: a portal session on that request only, its steps without notes,
and its exports, whose downloads are audited and which expire after 7 days."""

import pytest
from django.core import mail
from django.test import Client

from lethe.audit.models import Action, AuditEvent
from lethe.dsr import register, store
from lethe.dsr.models import Export, Request
from lethe.portal import links
from lethe.portal.models import Link
from lethe.vault.policy import Actor
from tests.conftest import ALL
from tests.portal.conftest import ask, ask_to_follow, confirm, last_link, later, links_in

pytestmark = pytest.mark.django_db(databases=ALL)

SYSTEM = Actor.system("tests")
REPORT = b"<html><body>Everything we hold about you</body></html>"


def registered(email: str, kind: str = "access") -> tuple[Client, Request]:
    """Make and confirm a request through the portal; return the browser and the request."""
    client = Client()
    ask(client, email, kind=kind)
    assert confirm(client, last_link(email)).status_code == 303
    return client, Request.objects.latest("pk")


def export_of(dsr: Request) -> Export:
    return store.save(SYSTEM, dsr, "access.html", f"dsr-{dsr.pk}-access.html", "text/html", REPORT)


def test_the_request_page_shows_steps_but_never_internal_notes(stranger):
    client, dsr = registered(stranger)
    register.step(SYSTEM, dsr, "waiting_for_id", note="Internal: looks like a known troll")
    page = client.get("/portal/request/")
    assert page.status_code == 200 and page["Cache-Control"] == "no-store"
    assert "Waiting for id" in page.text
    assert "troll" not in page.text and "system:" not in page.text
    assert stranger not in page.text


def test_without_a_portal_session_the_request_pages_are_closed(stranger):
    _, dsr = registered(stranger)
    export = export_of(dsr)
    for path in ("/portal/request/", f"/portal/request/exports/{export.pk}/"):
        response = Client().get(path)
        assert response.status_code == 403
        assert "follow a link we sent you" in response.text
    assert Export.objects.get().downloads == 0


def test_a_forged_or_stale_portal_cookie_opens_nothing(stranger):
    client, dsr = registered(stranger)
    forged = Client()
    forged.cookies[links.COOKIE] = f"{dsr.pk}:{Link.objects.get().pk}"  # unsigned
    assert forged.get("/portal/request/").status_code == 403
    with later(hours=1, minutes=1):
        assert client.get("/portal/request/").status_code == 403
    assert client.get("/portal/request/").status_code == 200


def test_a_session_sees_its_own_request_and_not_anothers_export(stranger, known):
    mine, dsr = registered(stranger)
    _, other = registered(known, kind="portability")
    theirs = export_of(other)
    assert mine.get(f"/portal/request/exports/{theirs.pk}/").status_code == 404
    page = mine.get("/portal/request/")
    assert f"#{dsr.pk}" in page.text and f"#{other.pk}" not in page.text
    assert Export.objects.get(pk=theirs.pk).downloads == 0


def test_an_export_downloads_from_the_portal_and_the_download_is_audited(stranger):
    client, dsr = registered(stranger)
    export = export_of(dsr)
    page = client.get("/portal/request/")
    assert f"/portal/request/exports/{export.pk}/" in page.text
    response = client.get(f"/portal/request/exports/{export.pk}/")
    assert response.status_code == 200
    assert response.content == REPORT
    assert response["Content-Type"] == "text/html"
    assert response["Content-Disposition"] == f'attachment; filename="dsr-{dsr.pk}-access.html"'
    assert response["Cache-Control"] == "no-store"
    assert Export.objects.get().downloads == 1
    event = AuditEvent.objects.filter(action=Action.EXPORT, record_id=str(export.pk)).last()
    assert event.detail == {"download": "portal", "request": dsr.pk}
    assert event.actor == "system:portal"


def test_an_export_link_expires_after_7_days_with_a_clear_page(stranger):
    client, dsr = registered(stranger)
    export = export_of(dsr)
    with later(days=7, minutes=1):
        # The portal session is new (the person came back through a follow link).
        ask_to_follow(client, stranger)
        assert confirm(client, links_in(mail.outbox[-1])[0]).status_code == 303
        page = client.get("/portal/request/")
        assert "expired" in page.text
        assert f"/portal/request/exports/{export.pk}/" not in page.text
        response = client.get(f"/portal/request/exports/{export.pk}/")
        assert store.purge_expired(SYSTEM) == 1
    assert response.status_code == 410
    assert "This download has expired" in response.text
    assert Export.objects.get().downloads == 0
    # Purged: its file and key are gone, and the page says the same.
    assert client.get(f"/portal/request/exports/{export.pk}/").status_code == 410


def test_follow_links_come_back_by_e_mail_for_each_request_and_work_once(stranger):
    _, first = registered(stranger)
    _, second = registered(stranger, kind="objection")
    before = len(mail.outbox)
    assert ask_to_follow(Client(), stranger)["Location"] == "/portal/sent/"
    (message,) = mail.outbox[before:]
    found = links_in(message)
    assert len(found) == 2
    assert f"#{first.pk}" in message.body and f"#{second.pk}" in message.body
    client = Client()
    assert "Show my request" in client.get(found[1]).text
    assert confirm(client, found[1]).status_code == 303
    assert f"Your request #{first.pk}" in client.get("/portal/request/").text
    assert Client().post(found[1]).status_code == 410
    assert Request.objects.count() == 2  # following made no new request


def test_an_unknown_address_asking_to_follow_is_told_how_to_make_a_request(stranger):
    ask_to_follow(Client(), stranger)
    (message,) = mail.outbox
    assert links_in(message) == []
    assert "no open or recent request made from this address" in message.body
    assert "http://testserver/portal/" in message.body


def test_a_request_closed_long_ago_is_no_longer_offered(stranger):
    _, dsr = registered(stranger)
    register.complete(SYSTEM, dsr, {"answer": "sent"})
    with later(days=31):
        ask_to_follow(Client(), stranger)
        assert links_in(mail.outbox[-1]) == []
        # The purge (run before each message) has forgotten the address's hash too.
        assert Link.objects.get(purpose="open").email_digest == ""


def test_ending_the_session_closes_the_request_page(stranger):
    client, _ = registered(stranger)
    assert client.post("/portal/request/end/")["Location"] == "/portal/"
    assert client.get("/portal/request/").status_code == 403
