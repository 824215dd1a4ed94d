"""Password reset by e-mail: one answer for every address, single-use expiring links."""

import datetime
import logging
import re
import stat

import pytest
from django.contrib.auth.tokens import PasswordResetTokenGenerator
from django.core import mail
from django.core.mail import EmailMessage
from django.test import Client

from lethe.accounts.mail import PrivateFileBackend
from lethe.accounts.models import User
from lethe.audit.models import AuditEvent
from tests.accounts.conftest import log_in
from tests.conftest import ALL
from tests.helpers import PASSWORD

pytestmark = pytest.mark.django_db(databases=ALL)
LINK = re.compile(r"http://testserver(/password-reset/[^/\s]+/[^/\s]+/)")
NEW = "a fresh long passphrase 7"


def ask_for_link(client, email="alice@lethe.example"):
    return client.post("/password-reset/", {"email": email})


def link_in_mail() -> str:
    (message,) = mail.outbox
    return LINK.search(message.body).group(1)


def test_the_answer_is_the_same_whether_or_not_the_address_exists(alice):
    known, unknown = ask_for_link(Client()), ask_for_link(Client(), "nobody@lethe.example")
    assert known.status_code == unknown.status_code == 302
    assert known["Location"] == unknown["Location"] == "/password-reset/sent/"
    assert [m.to for m in mail.outbox] == [["alice@lethe.example"]]


def test_the_link_sets_a_new_password_once(alice):
    other = Client()
    log_in(other)
    ask_for_link(Client())
    link = link_in_mail()
    client = Client()
    form = client.get(link, follow=True)
    assert "new_password1" in form.text
    target = form.redirect_chain[-1][0]
    done = client.post(target, {"new_password1": NEW, "new_password2": NEW})
    assert done["Location"] == "/password-reset/done/"
    assert User.objects.get(pk=alice.pk).check_password(NEW)
    assert other.get("/").status_code == 302  # sessions with the old password ended
    again = Client().get(link, follow=True)
    assert "no longer valid" in again.text
    assert log_in(Client(), password=NEW).status_code == 302
    event = AuditEvent.objects.get(detail__password="reset by e-mail link")
    assert event.record_id == str(alice.pk)
    dump = repr(list(AuditEvent.objects.values()))
    assert NEW not in dump
    assert link.split("/")[-2] not in dump


def test_the_link_expires_after_an_hour(alice, monkeypatch):
    ask_for_link(Client())
    link = link_in_mail()
    later = datetime.datetime.now() + datetime.timedelta(hours=1, minutes=1)
    monkeypatch.setattr(PasswordResetTokenGenerator, "_now", lambda self: later)
    assert "no longer valid" in Client().get(link, follow=True).text


def test_a_weak_new_password_is_refused_next_to_the_field(alice):
    ask_for_link(Client())
    client = Client()
    target = client.get(link_in_mail(), follow=True).redirect_chain[-1][0]
    response = client.post(
        target, {"new_password1": "qwerty123456", "new_password2": "qwerty123456"}
    )
    assert response.status_code == 200
    assert "too common" in response.text
    assert User.objects.get(pk=alice.pk).check_password(PASSWORD)


def test_the_outbox_is_private_to_the_owner(tmp_path):
    outbox = tmp_path / "outbox"
    backend = PrivateFileBackend(file_path=str(outbox))
    backend.send_messages([EmailMessage("Hej", "body", "lethe@localhost", ["a@lethe.example"])])
    (written,) = outbox.iterdir()
    assert stat.S_IMODE(outbox.stat().st_mode) == 0o700
    assert stat.S_IMODE(written.stat().st_mode) == 0o600


def test_no_password_code_or_reset_token_reaches_the_logs(alice, caplog):
    with caplog.at_level(logging.DEBUG):
        log_in(Client(), password="a wrong password 99")
        ask_for_link(Client())
        link = link_in_mail()
        client = Client()
        target = client.get(link, follow=True).redirect_chain[-1][0]
        client.post(target, {"new_password1": NEW, "new_password2": NEW})
        log_in(Client(), password=NEW)
    for secret in ("a wrong password 99", PASSWORD, NEW, link.split("/")[-2]):
        assert secret not in caplog.text
