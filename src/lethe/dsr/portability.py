"""The Art. 20 archive: data.json (checked against the schema Lethe ships), one CSV per
record kind, the contact details as vCard 4.0 (RFC 6350) and the person's own files.

Other people's personal data stays out (Art. 20(4)): names in @mentions become
"[other person]", other participants are not listed, texts of other people's records
are withheld, the names of our staff (responsible owners) are left out, and so are the
files of business records and the audit trail (our record of processing, given in
the Art. 15 report instead).
"""

from __future__ import annotations

import csv
import datetime
import io
import json
import re
import unicodedata
import zipfile
from functools import cache
from importlib import resources

import jsonschema
from django.utils import timezone

from lethe.core.spreadsheet import safe_cell
from lethe.dsr.collect import Collected
from lethe.vault import fields

SCHEMA_FILE = "portability-v1.schema.json"
OMITTED_HISTORY = {"owner"}  # staff are other people
CSV_ENCODING = "utf-8-sig"  # with a BOM, so spreadsheets read å, ä and ö right


@cache
def schema() -> dict:
    """Return the JSON Schema of data.json (package data of lethe.dsr)."""
    text = resources.files("lethe.dsr").joinpath("schema", SCHEMA_FILE).read_text("utf-8")
    return json.loads(text)


def validate(document: dict) -> None:
    """Raise jsonschema.ValidationError unless `document` fits the schema."""
    validator = jsonschema.Draft202012Validator(
        schema(), format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER
    )
    validator.validate(document)


def _json(value: object) -> object:
    """Return a value as JSON takes it: dates as ISO 8601 text (times in UTC)."""
    if isinstance(value, datetime.datetime):
        return value.astimezone(datetime.UTC).isoformat().replace("+00:00", "Z")
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, dict):
        return {k: _json(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_json(v) for v in value]
    return value


CONTACT_COLUMNS = [
    "id",
    "company",
    "past_companies",
    "stage",
    "tags",
    "source",
    "obtained_at",
    "created_at",
    "archived_at",
]
DEAL_COLUMNS = [
    "id",
    "title",
    "company",
    "pipeline",
    "stage",
    "status",
    "amount",
    "currency",
    "expected_close",
    "probability",
    "roles",
    "tags",
    "created_at",
    "closed_at",
    "archived_at",
]
ACTIVITY_COLUMNS = [
    "id",
    "kind",
    "occurred_at",
    "due_date",
    "done_at",
    "archived_at",
    "named_as",
    "company",
    "deal",
    "text_status",
]
CUSTOM_COLUMNS = ["key", "label", "personal", "category", "value"]


def _custom(items: list[dict]) -> list[dict]:
    return [{k: _json(c[k]) for k in CUSTOM_COLUMNS} for c in items]


def _personal(values: dict) -> dict:
    return {k: _json(v) for k, v in values.items() if not k.startswith("cf.")}


def file_path(attachment: dict) -> str:
    """Return where an attachment's file goes in the archive: never outside its folder."""
    name = unicodedata.normalize("NFC", attachment["name"] or "file")
    name = re.sub(r"[/\\\x00-\x1f\x7f]", "_", name).strip(" .") or "file"
    return f"attachments/{attachment['id']}/{name}"


def document(collected: Collected) -> dict:
    """Return the content of data.json (what the schema describes)."""
    request = collected.request
    people = []
    for person in collected.people:
        contact = person["contact"]
        people.append(
            {
                "id": person["id"],
                "status": person["status"],
                "personal_data": _personal(person["personal"]),
                "custom_fields": _custom(person["custom"]),
                "contact": None
                if contact is None
                else {k: _json(contact[k]) for k in CONTACT_COLUMNS},
                "legal_hold": [
                    {"personal_data": _json(held["personal"])} for held in person["legal_hold"]
                ],
            }
        )
    return {
        "format": "lethe-portability",
        "version": 1,
        "generated_at": _json(collected.generated_at),
        "request": {"reference": f"DSR-{request.pk}", "received_on": _json(request.received_on)},
        "people": people,
        "deals": [
            {
                **{k: _json(d[k]) for k in DEAL_COLUMNS},
                "custom_fields": _custom(d["custom"]),
            }
            for d in collected.deals
        ],
        "activities": [
            {**{k: _json(a[k]) for k in ACTIVITY_COLUMNS}, "text": collected.text(a["body"])}
            for a in collected.activities
        ],
        "attachments": [
            {
                "id": f["id"],
                "name": f["name"],
                "content_type": f["content_type"],
                "size": f["size"],
                "created_at": _json(f["created_at"]),
                "record_kind": f["record_kind"],
                "record_id": f["record_id"],
                "file": file_path(f),
            }
            for f in collected.attachments
            if f["included"] and f["name"]
        ],
        "history": [
            {
                "record": h["record"],
                "field": h["field"],
                "changed_at": _json(h["changed_at"]),
                "changed_by": h["changed_by"],
                "old_value": _json(h["old"]),
                "new_value": _json(h["new"]),
            }
            for h in collected.history
            if h["field"] not in OMITTED_HISTORY
        ],
        "sections": {
            name: [{k: _json(v) for k, v in row.items()} for row in rows]
            for name, rows in collected.sections.items()
        },
    }


def _cell(value: object) -> object:
    if value is None:
        return ""
    if isinstance(value, dict) and set(value) <= {
        "street",
        "postal_code",
        "city",
        "region",
        "country",
    }:
        value = ", ".join(str(v) for v in value.values())
    elif isinstance(value, list) and all(isinstance(v, str) for v in value):
        value = "; ".join(value)
    return safe_cell(value)


def _csv(columns: list[str], rows: list[dict]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(columns)
    for row in rows:
        writer.writerow([_cell(row.get(c)) for c in columns])
    return out.getvalue().encode(CSV_ENCODING)


PERSON_COLUMNS = ["person_id", *fields.FIELDS, *(f"contact_{c}" for c in CONTACT_COLUMNS)]
ATTACHMENT_COLUMNS = [
    "id",
    "name",
    "content_type",
    "size",
    "created_at",
    "record_kind",
    "record_id",
    "file",
]
HISTORY_COLUMNS = ["record", "field", "changed_at", "changed_by", "old_value", "new_value"]


def tables(data: dict) -> dict[str, bytes]:
    """Return the CSV files of the archive, one per record kind, from data.json's content."""
    people, custom = [], []
    for person in data["people"]:
        contact = person["contact"] or {}
        people.append(
            {
                "person_id": person["id"],
                **person["personal_data"],
                **{f"contact_{k}": v for k, v in contact.items()},
            }
        )
        for item in person["custom_fields"]:
            custom.append({"record": "contact", "record_id": contact.get("id"), **item})
    for deal in data["deals"]:
        for item in deal["custom_fields"]:
            custom.append({"record": "deal", "record_id": deal["id"], **item})
    files = {
        "contacts.csv": _csv(PERSON_COLUMNS, people),
        "custom_fields.csv": _csv(["record", "record_id", *CUSTOM_COLUMNS], custom),
        "deals.csv": _csv(DEAL_COLUMNS, data["deals"]),
        "activities.csv": _csv([*ACTIVITY_COLUMNS, "text"], data["activities"]),
        "attachments.csv": _csv(ATTACHMENT_COLUMNS, data["attachments"]),
        "history.csv": _csv(HISTORY_COLUMNS, data["history"]),
    }
    for name, rows in data["sections"].items():
        if rows:
            files[f"{name}.csv"] = _csv(list(dict.fromkeys(k for r in rows for k in r)), rows)
    return files


def _escape(text: str) -> str:
    """Escape a vCard text value (RFC 6350 3.4): backslash, comma, semicolon, newline."""
    return (
        str(text)
        .replace("\\", "\\\\")
        .replace(",", "\\,")
        .replace(";", "\\;")
        .replace("\r\n", "\\n")
        .replace("\n", "\\n")
    )


def _fold(line: str) -> str:
    """Fold a content line at 75 octets, never inside a UTF-8 character (RFC 6350 3.2)."""
    out, current = [], b""
    for char in line:
        encoded = char.encode()
        if len(current) + len(encoded) > (75 if not out else 74):
            out.append(current.decode())
            current = b""
        current += encoded
    out.append(current.decode())
    return "\r\n ".join(out)


def vcard(data: dict) -> str:
    """Return the people's contact details as vCard 4.0, one card per person."""
    cards = []
    for person in data["people"]:
        values = person["personal_data"]
        contact = person["contact"] or {}
        first, last = values.get("first_name", ""), values.get("last_name", "")
        full = " ".join(p for p in (first, last) if p) or "-"
        lines = [
            "BEGIN:VCARD",
            "VERSION:4.0",
            f"UID:urn:uuid:{person['id']}",
            f"FN:{_escape(full)}",
            f"N:{_escape(last)};{_escape(first)};;;",
        ]
        for email in values.get("email", []):
            lines.append(f"EMAIL;TYPE=work:{_escape(email)}")
        for phone in values.get("phone", []):
            lines.append(f"TEL;VALUE=uri;TYPE=voice:tel:{phone}")
        address = values.get("address")
        if isinstance(address, dict):
            parts = [address.get(k, "") for k in ("street", "city", "region", "postal_code")]
            parts.append(address.get("country", ""))
            lines.append("ADR;TYPE=work:;;" + ";".join(_escape(p) for p in parts))
        elif isinstance(address, str):
            lines.append(f"ADR;TYPE=work:;;{_escape(address)};;;;")
        if values.get("birth_date"):
            lines.append(f"BDAY:{values['birth_date'].replace('-', '')}")
        if values.get("job_title"):
            lines.append(f"TITLE:{_escape(values['job_title'])}")
        if contact.get("company"):
            lines.append(f"ORG:{_escape(contact['company'])}")
        if values.get("notes"):
            lines.append(f"NOTE:{_escape(values['notes'])}")
        stamp = timezone.now().astimezone(datetime.UTC).strftime("%Y%m%dT%H%M%SZ")
        lines += [f"REV:{stamp}", "END:VCARD"]
        cards.append("\r\n".join(_fold(line) for line in lines) + "\r\n")
    return "".join(cards)


README = """Your data (Art. 20 GDPR) / Dina uppgifter (artikel 20 GDPR)

data.json     everything below in one file, as its JSON Schema describes
              (portability-v1.schema.json, published with Lethe) /
              allt nedan i en fil, som dess JSON-schema beskriver
*.csv         one table per kind of record (contacts, deals, activities,
              attachments, history, ...) / en tabell per slags post
contact.vcf   your contact details as a vCard (4.0) / dina kontaktuppgifter
attachments/  your own files / dina egna filer

Other people's personal data is left out or replaced by "[other person]".
Andra personers uppgifter är utelämnade eller ersatta med "[other person]".
"""


def archive(collected: Collected) -> bytes:
    """Return the zip archive: data.json (validated), CSVs, contact.vcf and the files."""
    data = document(collected)
    validate(data)
    stamp = timezone.localtime(collected.generated_at).timetuple()[:6]
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:

        def add(name: str, content: bytes | str) -> None:
            info = zipfile.ZipInfo(name, date_time=stamp)
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, content)

        add("README.txt", README)
        add("data.json", json.dumps(data, indent=2, ensure_ascii=False, sort_keys=False))
        for name, content in tables(data).items():
            add(name, content)
        add("contact.vcf", vcard(data))
        for item in data["attachments"]:
            add(item["file"], collected.files[item["id"]])
    return out.getvalue()
