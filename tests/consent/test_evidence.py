"""Consent evidence for a person's access export."""

import pytest

from lethe.consent import ledger, notices
from lethe.consent.evidence import consent_evidence
from tests.conftest import ALL
from tests.consent.conftest import DM, SYSTEM

pytestmark = pytest.mark.django_db(databases=ALL)


def test_the_evidence_holds_every_event_with_the_exact_notice_text(make_contact, notice):
    person, other = make_contact(), make_contact()
    ledger.record(SYSTEM, [person.subject], DM, "granted", "web_form", notice, double_opt_in=True)
    ledger.record(SYSTEM, [person.subject], DM, "withdrawn", "email", None)
    ledger.record(SYSTEM, [other.subject], DM, "granted", "phone", notice)
    evidence = consent_evidence([person.subject_id])
    assert [e["state"] for e in evidence] == ["granted", "withdrawn"]
    first = evidence[0]
    assert first["subject"] == str(person.subject_id)
    assert (first["channel"], first["recorded_by"], first["double_opt_in"]) == (
        "web_form",
        "system:tests",
        True,
    )
    assert first["notice_text"] == notice.text
    assert first["notice_sha256"] == notices.digest(notice.text)
    assert first["notice_versions"] == "direct_marketing v1"
    assert all(
        value is None or isinstance(value, str | bool | int)
        for row in evidence
        for value in row.values()
    )
    assert evidence[1]["notice_text"] is None


def test_an_erased_person_has_no_evidence_left(make_contact, notice):
    person = make_contact()
    ledger.record(SYSTEM, [person.subject], DM, "granted", "web_form", notice)
    ledger.forget([person.subject_id])
    assert consent_evidence([person.subject_id]) == []


def test_the_command_publishes_and_shows_the_notice(tmp_path):
    from io import StringIO

    from django.core.management import call_command
    from django.core.management.base import CommandError

    text = tmp_path / "notice.txt"
    text.write_text("Vill du få nyheter och erbjudanden från oss via e-post?\n", encoding="utf-8")
    out = StringIO()
    call_command("consent", "publish", str(text), stdout=out)
    assert "direct_marketing notice version 1 published" in out.getvalue()
    out = StringIO()
    call_command("consent", "notice", stdout=out)
    assert "Vill du få nyheter" in out.getvalue()
    assert notices.current(DM).notice.text.startswith("Vill du få nyheter")
    with pytest.raises(CommandError, match="cannot read"):
        call_command("consent", "publish", str(tmp_path / "missing.txt"))
    (tmp_path / "empty.txt").write_text("  \n")
    with pytest.raises(CommandError, match="exact notice text"):
        call_command("consent", "publish", str(tmp_path / "empty.txt"))
    out = StringIO()
    call_command("consent", "purge", stdout=out)
    assert out.getvalue().strip() == "0 expired confirmation links purged"
