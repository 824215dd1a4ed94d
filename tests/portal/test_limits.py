"""Rate limits per e-mail address and per client address, a mail server that fails,
the purge of what expired, the SMTP configuration, and no personal data in the log."""

import smtplib
from unittest import mock

import pytest
from django.core import mail
from django.test import Client

from lethe import config
from lethe.audit.models import Action, AuditEvent
from lethe.portal import actions, throttle
from lethe.portal.models import Link, Throttle
from lethe.vault.models import Document, RecordKey
from lethe.vault.policy import Actor
from tests.conftest import ALL
from tests.portal.conftest import ask, ask_to_follow, confirm, last_link, later

pytestmark = pytest.mark.django_db(databases=ALL)


def test_one_address_gets_three_messages_an_hour_and_then_a_clear_refusal(stranger):
    for n in range(3):
        assert ask(Client(REMOTE_ADDR=f"192.0.2.{n}"), stranger).status_code == 303
    refused = ask(Client(REMOTE_ADDR="192.0.2.9"), stranger)
    assert refused.status_code == 429
    assert "Too many requests in a short time. Try again in" in refused.text
    assert ask_to_follow(Client(REMOTE_ADDR="192.0.2.10"), stranger).status_code == 429
    assert len(mail.outbox) == 3 and Link.objects.count() == 3
    denied = AuditEvent.objects.filter(action=Action.ACCESS_DENIED, record_kind="portal_link")
    assert [e.detail for e in denied] == [{"reason": "throttled"}] * 2
    with later(hours=1, seconds=1):
        assert ask(Client(REMOTE_ADDR="192.0.2.9"), stranger).status_code == 303


def test_one_client_gets_ten_messages_an_hour_whatever_the_addresses():
    client = Client(REMOTE_ADDR="198.51.100.7")
    for n in range(throttle.LIMITS["client"]):
        assert ask(client, f"person{n}@example.org").status_code == 303
    refused = ask(client, "one.more@example.org")
    assert refused.status_code == 429 and "Try again in" in refused.text
    assert ask(Client(REMOTE_ADDR="198.51.100.8"), "one.more@example.org").status_code == 303


def test_the_limits_are_kept_as_keyed_hashes_only(stranger):
    ask(Client(REMOTE_ADDR="203.0.113.5"), stranger)
    stored = " ".join(Throttle.objects.values_list("key", flat=True))
    stored += " ".join(Link.objects.values_list("email_digest", flat=True))
    assert Throttle.objects.count() == 2
    assert "203.0.113" not in stored and "ingen" not in stored and "@" not in stored


def test_when_the_mail_server_fails_nothing_is_kept_and_the_page_says_so(stranger):
    with mock.patch(
        "lethe.portal.mail.send_mail", side_effect=smtplib.SMTPServerDisconnected("down")
    ):
        response = ask(Client(), stranger)
    assert response.status_code == 503
    assert "could not send the message" in response.text
    assert Link.objects.count() == 0 and Document.objects.count() == 0
    assert not RecordKey.objects.filter(kind="portal", shredded_at__isnull=True).exists()


def test_purging_removes_expired_links_and_forgets_old_counters(stranger):
    ask(Client(), stranger)
    ask(Client(), "someone.else@example.org")
    confirm(Client(), last_link(stranger))
    with later(hours=25):
        counts = actions.purge_expired(Actor.system("tests"))
    assert counts == {"expired": 1, "followed": 0, "forgotten": 0, "counters": 3}
    (left,) = Link.objects.all()
    assert left.purpose == "open" and left.used_at is not None
    # What is left sealed: the request's identifiers, and nothing else.
    assert list(Document.objects.all()) == [left.request.details]


def test_the_portal_purge_command_runs_the_purge(stranger, capsys):
    from django.core.management import call_command

    ask(Client(), stranger)
    with later(hours=25):
        call_command("portal", "purge")
    assert Link.objects.count() == 0
    assert "1 expired link" in capsys.readouterr().out


def test_no_audit_event_holds_the_address_or_a_token(stranger, known):
    ask(Client(), stranger, kind="rectification", correction="Call me Åsa Öberg")
    confirm(Client(), last_link(stranger))
    ask_to_follow(Client(), stranger)
    ask_to_follow(Client(), known)
    token = last_link(stranger).split("/")[-2]
    dump = repr(list(AuditEvent.objects.values())).casefold()
    for secret in (stranger, known, "ingen.alls", "Öberg", token, token.split(":")[0]):
        assert secret.casefold() not in dump


def test_smtp_is_chosen_by_configuration(tmp_path):
    base = {"LETHE_DATA_DIR": str(tmp_path)}
    with pytest.raises(config.ConfigError, match="LETHE_EMAIL_HOST"):
        config.load({**base, "LETHE_EMAIL_BACKEND": "smtp"})
    loaded = config.load(
        {
            **base,
            "LETHE_EMAIL_BACKEND": "smtp",
            "LETHE_EMAIL_HOST": "mail.example.org",
            "LETHE_EMAIL_PORT": "465",
            "LETHE_EMAIL_PASSWORD": "hunter2-hunter2",
            "LETHE_EMAIL_TLS": "0",
            "LETHE_PORTAL_LINK_HOURS": "12",
        }
    )
    assert (loaded.email_host, loaded.email_port, loaded.email_tls) == (
        "mail.example.org",
        465,
        False,
    )
    assert loaded.portal_link_hours == 12
    assert "hunter2" not in repr(loaded)
    with pytest.raises(config.ConfigError, match="LETHE_PORTAL_LINK_HOURS"):
        config.load({**base, "LETHE_PORTAL_LINK_HOURS": "0"})
