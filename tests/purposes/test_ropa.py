"""`lethe ropa export` and the console's downloads: every Art. 30(1) item of every purpose,
in CSV, JSON and PDF."""

import csv
import dataclasses
import io
import json
import re

import pytest
from django.core.management import CommandError, call_command
from pypdf import PdfReader

from lethe.audit.models import AuditEvent
from lethe.purposes.models import LegalBasis, Purpose
from tests.conftest import ALL
from tests.helpers import client_with

pytestmark = pytest.mark.django_db(databases=ALL)

# Art. 30(1): (a) controller, joint controller, DPO; (b) purposes; (c) categories of
# subjects and of data; (d) recipients; (e) transfers and safeguards; (f) time limits
# for erasure; (g) security measures. Plus the legal basis and legitimate interest.
ART_30 = [
    "name",
    "description",
    "controller_name",
    "controller_contact",
    "joint_controller",
    "dpo_contact",
    "legal_basis",
    "legitimate_interest",
    "subject_categories",
    "data_categories",
    "recipients",
    "transfers",
    "transfer_safeguards",
    "retention",
    "retention_months",
    "security_measures",
]
ORG = {
    "controller_name": "Exempel Handel AB",
    "controller_contact": "Storgatan 1, 111 22 Stockholm; info@exempel.example",
    "dpo_contact": "dataskydd@exempel.example",
}


@pytest.fixture(autouse=True)
def organisation(settings):
    settings.CONFIG = dataclasses.replace(settings.CONFIG, **ORG)


@pytest.fixture
def varied():
    """One purpose with a transfer and a joint controller, one on legitimate interests."""
    Purpose.objects.filter(key="customer_support").update(
        transfers="Support tickets to a processor in India.",
        transfer_safeguards="Standard contractual clauses (EU 2021/914).",
        joint_controller="Partner Support AB, partner@support.example",
    )
    Purpose.objects.filter(key="customer_relationship").update(
        legal_basis=LegalBasis.LEGITIMATE_INTERESTS,
        legitimate_interest="Keeping in touch with the people we do business with.",
    )


def expected(purpose: Purpose) -> dict[str, list[str]]:
    """Return, per Art. 30 item, the texts the export must hold for this purpose."""
    values = {
        "name": [purpose.name],
        "description": [purpose.description],
        "legal_basis": [purpose.basis_label],
        "subject_categories": purpose.subject_categories,
        "data_categories": purpose.data_categories,
        "recipients": purpose.recipients,
        "retention": [purpose.retention],
        "retention_months": [str(purpose.retention_months)],
        "security_measures": [purpose.security_measures],
        "legitimate_interest": [purpose.legitimate_interest or "not applicable"],
        "transfers": [purpose.transfers or "none"],
        "transfer_safeguards": [purpose.transfer_safeguards or "not applicable"],
        "joint_controller": [purpose.joint_controller or "none"],
        **{k: [v] for k, v in ORG.items()},
    }
    assert set(values) == set(ART_30)
    return values


def flat(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def export(fmt: str, tmp_path) -> bytes:
    out = tmp_path / f"ropa.{fmt}"
    call_command("ropa", "export", "--format", fmt, "--output", str(out), stderr=io.StringIO())
    return out.read_bytes()


def test_the_csv_holds_every_art_30_item_of_every_purpose(varied, tmp_path):
    rows = {r["key"]: r for r in csv.DictReader(io.StringIO(export("csv", tmp_path).decode()))}
    assert set(rows) == set(Purpose.objects.values_list("key", flat=True))
    for purpose in Purpose.objects.all():
        row = rows[purpose.key]
        for item, texts in expected(purpose).items():
            for text in texts:
                assert text in row[item], (purpose.key, item, text)


def test_the_json_holds_every_art_30_item_of_every_purpose(varied, tmp_path):
    document = json.loads(export("json", tmp_path))
    records = {r["key"]: r for r in document["records"]}
    assert set(records) == set(Purpose.objects.values_list("key", flat=True))
    for purpose in Purpose.objects.all():
        record = records[purpose.key]
        for item, texts in expected(purpose).items():
            value = record[item]
            shown = value if isinstance(value, list) else [str(value)]
            for text in texts:
                assert any(text in v for v in shown), (purpose.key, item, text)
    assert set(ART_30) <= set(document["fields"])


def test_the_pdf_holds_every_art_30_item_of_every_purpose(varied, tmp_path):
    data = export("pdf", tmp_path)
    assert data.startswith(b"%PDF-")
    pages = PdfReader(io.BytesIO(data)).pages
    # Page footers ("3 / 17") aside, the text runs on from page to page.
    text = flat(" ".join(re.sub(r"\b\d+ / \d+\b", " ", p.extract_text()) for p in pages))
    keys = list(Purpose.objects.values_list("key", flat=True))
    starts = sorted((text.index(f"Key {key} "), key) for key in keys)
    sections = {
        key: text[start : (starts[i + 1][0] if i + 1 < len(starts) else len(text))]
        for i, (start, key) in enumerate(starts)
    }
    for purpose in Purpose.objects.all():
        section = sections[purpose.key]
        for item, texts in expected(purpose).items():
            for text_ in texts:
                assert flat(text_) in section, (purpose.key, item, text_)
        for label in ("Controller", "Data protection officer", "security measures"):
            assert label in section, (purpose.key, label)


def test_the_pdf_is_made_with_a_fetcher_that_fetches_nothing(tmp_path, monkeypatch):
    import weasyprint

    from lethe.purposes import ropa

    fetchers = []
    real = weasyprint.HTML

    def html(*args, **kwargs):
        fetchers.append(kwargs.get("url_fetcher"))
        return real(*args, **kwargs)

    monkeypatch.setattr(weasyprint, "HTML", html)
    Purpose.objects.filter(key="customer_support").update(
        description='<img src="https://tracker.example/p.png"> Support.'
    )
    pdf = " ".join(p.extract_text() for p in PdfReader(io.BytesIO(export("pdf", tmp_path))).pages)
    assert fetchers == [ropa._no_fetching]
    with pytest.raises(ValueError):
        ropa._no_fetching("https://tracker.example/p.png")
    assert '<img src="https://tracker.example/p.png"> Support.' in flat(pdf)  # text, not markup


def test_the_export_is_audited_and_goes_to_standard_output_without_output(capsys):
    before = AuditEvent.objects.count()
    out = io.StringIO()
    call_command("ropa", "export", "--format", "json", stdout=out)
    assert json.loads(out.getvalue())["records"]
    event = AuditEvent.objects.get(seq__gt=before, record_kind="ropa")
    assert (event.action, event.actor, event.detail["format"]) == ("export", "system:ropa", "json")


def test_an_unwritable_output_is_a_one_line_error_and_records_no_export(tmp_path):
    before = AuditEvent.objects.count()
    with pytest.raises(CommandError, match="cannot write"):
        call_command(
            "ropa", "export", "--format", "csv", "--output", str(tmp_path / "no" / "such.csv")
        )
    assert AuditEvent.objects.count() == before


def test_an_unknown_format_is_refused():
    with pytest.raises(CommandError, match="invalid choice"):
        call_command("ropa", "export", "--format", "xlsx")


@pytest.mark.parametrize("fmt", ["csv", "json", "pdf"])
def test_the_console_downloads_each_format(fmt):
    client, user = client_with("auditor")
    response = client.get(f"/console/purposes/ropa.{fmt}")
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment")
    assert b"customer_support" in response.content or fmt == "pdf"
    event = AuditEvent.objects.filter(record_kind="ropa").last()
    assert (event.actor, event.detail["format"]) == (f"user:{user.pk}", fmt)
    assert client.get("/console/purposes/ropa.xlsx").status_code == 404
