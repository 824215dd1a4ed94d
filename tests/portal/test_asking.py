"""Making a request on the portal: one answer for every address, nothing registered yet."""

import pytest
from django.core import mail, signing
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from lethe.audit.models import AuditEvent
from lethe.dsr.models import Request
from lethe.portal.models import Link
from lethe.vault.models import Document
from tests.conftest import ALL
from tests.portal.conftest import ask, ask_to_follow, last_link, links_in, without_csrf

pytestmark = pytest.mark.django_db(databases=ALL)


def test_the_form_is_a_public_page_under_the_strict_policy_and_never_cached():
    response = Client().get("/portal/")
    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"
    assert "script-src 'self'" in response["Content-Security-Policy"]
    assert "'unsafe-inline'" not in response["Content-Security-Policy"]
    assert 'name="csrfmiddlewaretoken"' in response.text
    assert "<script>" not in response.text and "style=" not in response.text
    for kind in ("access", "portability", "erasure", "rectification", "restriction", "objection"):
        assert f'value="{kind}"' in response.text


def test_the_form_refuses_a_post_without_the_csrf_token(stranger):
    client = Client(enforce_csrf_checks=True)
    assert ask(client, stranger).status_code == 403
    assert Link.objects.count() == 0 and mail.outbox == []


@pytest.mark.parametrize(
    ("form", "field"),
    [
        ({"kind": "access", "email": "not an address"}, "email"),
        ({"kind": "forget-me-not", "email": "a@example.net"}, "kind"),
        ({"kind": "rectification", "email": "a@example.net", "correction": " "}, "correction"),
    ],
)
def test_bad_input_is_refused_next_to_its_field_and_sends_nothing(form, field):
    response = Client().post("/portal/", form)
    assert response.status_code == 400
    assert response.context["form"].has_error(field)
    assert Link.objects.count() == 0 and mail.outbox == []


def test_the_answer_is_the_same_whether_or_not_the_address_is_known(known, stranger):
    answers, queries = [], []
    for n, email in enumerate((known, stranger)):
        client = Client(REMOTE_ADDR=f"192.0.2.{n + 1}")
        with CaptureQueriesContext(connection) as captured:
            response = ask(client, email, kind="erasure")
        queries.append(len(captured))
        page = client.get(response["Location"])
        answers.append(
            (
                response.status_code,
                response["Location"],
                response.content,
                page.status_code,
                without_csrf(page.text),
            )
        )
    assert answers[0] == answers[1]
    assert answers[0][:2] == (303, "/portal/sent/")
    assert queries[0] == queries[1]  # the same work, not just the same page
    # Both get a message, worded alike, with a link that confirms the request.
    assert [m.to for m in mail.outbox] == [[known], [stranger]]
    first, second = (m.body.replace(links_in(m)[0], "<link>") for m in mail.outbox)
    assert first == second
    assert mail.outbox[0].subject == mail.outbox[1].subject


def test_following_my_requests_answers_the_same_whether_or_not_the_address_is_known(
    known, stranger
):
    responses = [ask_to_follow(Client(), email) for email in (known, stranger)]
    assert [(r.status_code, r["Location"]) for r in responses] == [(303, "/portal/sent/")] * 2
    assert [m.to for m in mail.outbox] == [[known], [stranger]]
    assert all("/portal/" in m.body for m in mail.outbox)


def test_nothing_is_registered_before_the_link_is_followed_and_what_waits_is_sealed(stranger):
    ask(Client(), stranger, kind="rectification", correction="My surname is Öberg, not Oberg")
    assert Request.objects.count() == 0
    link = Link.objects.get()
    assert (link.purpose, link.kind, link.request) == ("open", "rectification", None)
    stored = repr(list(Link.objects.values())) + repr(list(AuditEvent.objects.values()))
    stored += b"".join(bytes(d.ciphertext) for d in Document.objects.all()).decode("latin-1")
    for secret in (stranger, "ingen.alls", "Öberg", "Oberg"):
        assert secret not in stored


def test_the_outbox_message_holds_a_link_whose_token_carries_no_personal_data(stranger):
    ask(Client(), stranger)
    (message,) = mail.outbox
    assert message.to == [stranger]
    assert "within 24 hours" in message.body
    assert "nothing happens unless the link is followed" in message.body
    link = last_link(stranger)
    token = link.split("/")[-2]
    assert set(signing.loads(token, salt="lethe.portal.link")) == {"l", "n"}
    assert "ingen" not in link and "example" not in link


def test_the_file_outbox_keeps_the_message_with_its_link_readable_by_the_owner_only(
    stranger, settings, tmp_path
):
    settings.EMAIL_BACKEND = "lethe.accounts.mail.PrivateFileBackend"
    settings.EMAIL_FILE_PATH = tmp_path / "outbox"
    ask(Client(), stranger)
    (written,) = (tmp_path / "outbox").iterdir()
    assert written.stat().st_mode & 0o077 == 0
    token = Link.objects.get()  # the link in the file opens this request
    text = written.read_text()
    assert "http://testserver/portal/link/" in text
    path = text.split("http://testserver", 1)[1].split()[0]
    assert Client().get(path).context["link"] == token
