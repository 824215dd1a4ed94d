"""The Art. 20 archive, built by the portability handler and read back with real parsers."""

import csv
import io
import json
import zipfile
from pathlib import Path

import jsonschema
import pytest
import vobject

from lethe.dsr import collect, fulfilment, portability, store
from lethe.dsr.models import Export
from lethe.vault.errors import AccessDenied
from lethe.vault.policy import Actor, Role
from tests.conftest import ALL
from tests.dsr.conftest import CV, full_name, make_everything

pytestmark = pytest.mark.django_db(databases=ALL)

ROOT = Path(__file__).resolve().parents[2]
SCHEMA = ROOT / "src" / "lethe" / "dsr" / "schema" / "portability-v1.schema.json"


@pytest.fixture
def world(people):
    return make_everything(people, kind="portability")


@pytest.fixture
def archive(world):
    outcome = fulfilment.handler_for(world.request)(world.dpo, world.request)
    export = Export.objects.get(pk=outcome["exports"]["portability.zip"])
    assert export.filename == f"dsr-{world.request.pk}-portability.zip"
    assert export.content_type == "application/zip"
    data = store.open_export(world.dpo, export, channel="test")
    with zipfile.ZipFile(io.BytesIO(data)) as opened:
        yield opened


def rows(archive, name: str) -> list[dict]:
    return list(csv.DictReader(io.StringIO(archive.read(name).decode("utf-8-sig"))))


def test_the_schema_published_in_docs_is_the_one_that_ships():
    assert (ROOT / "docs" / "portability.schema.json").read_bytes() == SCHEMA.read_bytes()
    jsonschema.Draft202012Validator.check_schema(json.loads(SCHEMA.read_text()))
    assert portability.schema() == json.loads(SCHEMA.read_text())


def test_data_json_validates_against_the_schema_and_holds_their_data(world, archive):
    data = json.loads(archive.read("data.json"))
    jsonschema.validate(
        data,
        json.loads(SCHEMA.read_text()),
        format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER,
    )
    [person] = data["people"]
    personal = person["personal_data"]
    for name in ("first_name", "last_name", "email", "phone", "identity_number", "birth_date"):
        assert personal[name] == world.person[name], name
    assert personal["address"] == world.person["address"]
    assert personal["job_title"] == "Head of Procurement"
    assert {c["key"]: c["value"] for c in person["custom_fields"]} == {
        "nickname": world.nickname,
        "segment": "Enterprise",
    }
    assert person["contact"]["company"] == "Exportbolaget AB"
    assert [(d["title"], d["roles"]) for d in data["deals"]] == [
        ("Årsavtal 2025", ["decision_maker"])
    ]
    texts = [a["text"] for a in data["activities"]]
    name = full_name(world.person)
    assert f"Met {name} and [other person] at the fair in Jönköping." in texts
    assert [a["text_status"] for a in data["activities"]].count("withheld") == 2
    [attachment] = data["attachments"]
    assert attachment["name"] == "CV.txt" and archive.read(attachment["file"]) == CV
    assert [h["old_value"] for h in data["history"] if h["field"] == "job_title"] == [
        world.old_job_title
    ]
    assert set(data["sections"]) >= {"consents", "disclosures"}


def test_a_document_that_breaks_the_schema_is_refused(everything):
    data = portability.document(collect.gather(everything.dpo, everything.request))
    portability.validate(data)
    data["people"][0]["personal_data"]["phone"] = ["070-174 06 12"]
    with pytest.raises(jsonschema.ValidationError):
        portability.validate(data)


def test_the_vcard_parses_with_the_right_name_email_and_phone(world, archive):
    card = vobject.readOne(archive.read("contact.vcf").decode())
    assert card.version.value == "4.0"
    assert card.fn.value == full_name(world.person)
    assert (card.n.value.family, card.n.value.given) == (
        world.person["last_name"],
        world.person["first_name"],
    )
    assert [e.value for e in card.contents["email"]] == world.person["email"]
    assert [t.value for t in card.contents["tel"]] == [f"tel:{p}" for p in world.person["phone"]]
    assert card.title.value == "Head of Procurement"
    assert card.org.value == ["Exportbolaget AB"]
    assert card.adr.value.street == world.person["address"]["street"]


def test_the_csvs_load_and_have_the_expected_rows(world, archive):
    assert {
        "contacts.csv",
        "custom_fields.csv",
        "deals.csv",
        "activities.csv",
        "attachments.csv",
        "history.csv",
    } <= set(archive.namelist())
    [contact] = rows(archive, "contacts.csv")
    assert contact["person_id"] == str(world.contact.subject_id)
    assert (contact["first_name"], contact["email"]) == (
        world.person["first_name"],
        world.person["email"][0],
    )
    # A cell that starts like a formula is kept as text (as in the audit log's CSV).
    assert contact["phone"] == "'" + world.person["phone"][0]
    assert contact["contact_stage"] == "customer"
    assert [d["title"] for d in rows(archive, "deals.csv")] == ["Årsavtal 2025"]
    activities = rows(archive, "activities.csv")
    assert sorted(a["kind"] for a in activities) == ["call", "meeting", "note", "note"]
    assert [f["name"] for f in rows(archive, "attachments.csv")] == ["CV.txt"]
    custom = {(c["record"], c["key"]): c["value"] for c in rows(archive, "custom_fields.csv")}
    assert custom == {
        ("contact", "nickname"): world.nickname,
        ("contact", "segment"): "Enterprise",
        ("deal", "region"): "Norrland",
    }
    history = rows(archive, "history.csv")
    assert {(h["record"], h["field"]) for h in history} == {
        ("personal", "job_title"),
        ("contact", "stage"),
    }


def test_other_people_are_not_in_the_archive(world, archive):
    content = b"".join(archive.read(name) for name in archive.namelist()).decode("utf-8", "replace")
    for other in (world.other, world.candidate, world.third):
        assert full_name(other) not in content
        assert other["email"][0] not in content
        assert other["last_name"] not in content
    for secret in world.secrets:
        assert secret not in content
    # Our staff are other people too; the business file of the deal is not the person's.
    for staff in ("Ägda Säljberg", "Kolle Gasson", "Data Skyddsson", "Offert.pdf"):
        assert staff not in content
    assert "[other person]" in content


def test_names_of_files_cannot_leave_their_folder():
    item = {"id": "2924fd90-6fa0-4765-8788-31f604a9aff4", "name": "../../etc/passwd"}
    assert portability.file_path(item) == f"attachments/{item['id']}/_.._etc_passwd"
    assert portability.file_path({**item, "name": ".."}) == f"attachments/{item['id']}/file"


def test_a_dpo_outside_the_case_cannot_build_the_archive(world):
    outsider = Actor("user", str(world.dpo_user.pk), frozenset({Role.DPO}), case="dsr:0")
    with pytest.raises(AccessDenied):
        fulfilment.handler_for(world.request)(outsider, world.request)
    assert not Export.objects.exists()
