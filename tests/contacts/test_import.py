"""CSV import of contacts: row errors, duplicates, mapping, dry run, batches, the command."""

import csv
import io
import random

import pytest
from faker import Faker

from lethe import synthetic
from lethe.audit.models import Action, AuditEvent
from lethe.companies.models import Company
from lethe.contacts import importer
from lethe.contacts.models import Contact
from lethe.imports import engine
from lethe.vault import gate
from lethe.vault.models import Subject
from lethe.vault.policy import Actor, Purpose, Role
from tests.conftest import ALL

pytestmark = pytest.mark.django_db(databases=ALL)

SYSTEM = Actor.system("import")
DPO = Actor("user", "dpo", frozenset({Role.DPO}), case="C-1")


def to_csv(header, rows, delimiter=",") -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, delimiter=delimiter)
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue().encode()


def wrong_check_digit(number: str) -> str:
    return number[:-1] + str((int(number[-1]) + 1) % 10)


def test_10000_rows_with_50_bad_ones_import_once_and_report_exactly_those(relations):
    Company.objects.create(name="Exempel AB")
    numbers = random.Random(3).sample(synthetic.identity_numbers(), 10_000)
    bad_lines = sorted(random.Random(4).sample(range(2, 10_002), 50))
    # Each kind of mistake in turn: e-mail, phone, identity number, unknown company.
    kinds = ["email", "phone", "identity_number", "company"]
    mistakes = {line: kinds[i % 4] for i, line in enumerate(bad_lines)}
    faker = Faker("sv_SE")
    faker.seed_instance(5)
    rows = []
    for line, number in enumerate(numbers, start=2):
        email, phone, company = f"person{line}@example.org", "", "Exempel AB"
        mistake = mistakes.get(line)
        if mistake == "email":
            email = f"person{line}@@example.org"
        elif mistake == "phone":
            phone = "+46 70 12"
        elif mistake == "identity_number":
            number = wrong_check_digit(number)
        elif mistake == "company":
            company = "Okänt Bolag AB"
        rows.append([faker.first_name(), faker.last_name(), email, phone, number, company])
    data = to_csv(["First name", "Last name", "Email", "Phone", "Personnummer", "Company"], rows)

    report = importer.import_contacts(SYSTEM, data)
    assert [(e.row, e.field) for e in report.errors] == sorted(mistakes.items())
    assert {e.column for e in report.errors} == {"Email", "Phone", "Personnummer", "Company"}
    assert (report.created, report.updated, report.duplicates) == (9_950, 0, 0)
    assert Contact.objects.count() == 9_950
    assert Contact.objects.filter(company__name="Exempel AB").count() == 9_950

    again = importer.import_contacts(SYSTEM, data)
    assert (again.created, again.duplicates, again.skipped) == (0, 9_950, 9_950)
    assert [e.row for e in again.errors] == bad_lines
    assert Contact.objects.count() == 9_950 and Subject.objects.count() == 9_950
    event = AuditEvent.objects.filter(action=Action.IMPORT).order_by("-seq").first()
    assert event.detail["skipped"] == 9_950 and event.detail["error_rows"] == bad_lines


def test_swedish_headers_map_automatically_and_unknown_companies_are_row_errors(people):
    Company.objects.create(name="Exempel AB")
    a, b = people(2, seed=8)
    data = to_csv(
        ["Förnamn", "Efternamn", "E-post", "Telefon", "Företag", "Fas", "Taggar"],
        [
            [
                a["first_name"],
                a["last_name"],
                a["email"][0],
                a["phone"][0],
                "exempel ab",
                "Customer",
                "mässa; 2026",
            ],
            [b["first_name"], b["last_name"], b["email"][0], "", "Okänt AB", "", ""],
        ],
        delimiter=";",
    )
    report = importer.import_contacts(SYSTEM, data)
    assert report.mapping == {
        "Förnamn": "first_name",
        "Efternamn": "last_name",
        "E-post": "email",
        "Telefon": "phone",
        "Företag": "company",
        "Fas": "stage",
        "Taggar": "tags",
    }
    assert [(e.row, e.field) for e in report.errors] == [(3, "company")]
    contact = Contact.objects.get()
    assert (contact.company.name, contact.stage, contact.source) == (
        "Exempel AB",
        "customer",
        "import",
    )
    assert sorted(contact.tags.values_list("name", flat=True)) == ["2026", "mässa"]


def test_a_dry_run_reports_and_writes_nothing(people):
    person = people(1)[0]
    data = to_csv(["first_name", "last_name"], [[person["first_name"], person["last_name"]]])
    report = importer.import_contacts(SYSTEM, data, dry_run=True)
    assert report.created == 1 and "would be created" in report.summary()
    assert not Subject.objects.exists() and not Contact.objects.exists()


def test_duplicates_in_the_file_and_in_the_database_follow_the_chosen_mode(people, relations):
    relations.open_cases.add("C-1")
    a, b = people(2, seed=12)
    importer.import_contacts(
        SYSTEM,
        to_csv(
            ["first_name", "last_name", "email"], [[a["first_name"], a["last_name"], a["email"][0]]]
        ),
    )
    rows = [
        ["New", "Title", a["email"][0].upper(), "CEO"],
        [b["first_name"], b["last_name"], b["email"][0], ""],
        ["Same", "Again", b["email"][0], ""],
    ]
    data = to_csv(["first_name", "last_name", "email", "title"], rows)
    skipped = importer.import_contacts(SYSTEM, data, dry_run=True)
    assert (skipped.created, skipped.updated, skipped.skipped) == (1, 0, 2)
    updated = importer.import_contacts(SYSTEM, data, duplicates="update")
    assert (updated.created, updated.updated, updated.duplicates, updated.skipped) == (1, 1, 2, 1)
    first = Contact.objects.order_by("pk").first()
    values = gate.read(DPO, [first.subject_id], Purpose.DATA_SUBJECT_REQUEST)[first.subject_id]
    assert values["job_title"] == "CEO" and values["last_name"] == "Title"
    assert Contact.objects.count() == 2


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "empty"),
        (b"\xff\xfe\x00", "not a CSV text file"),
        (b"PK\x03\x04xlsx", "spreadsheet"),
        (b"shoe size,colour\n44,blue\n", "first_name or last_name"),
    ],
)
def test_files_that_cannot_be_imported_are_refused_whole(data, message):
    with pytest.raises(engine.FileRefused, match=message):
        importer.import_contacts(SYSTEM, data)
    assert not Subject.objects.exists()


def test_a_mapping_to_an_unknown_field_is_refused():
    with pytest.raises(engine.FileRefused, match="unknown field"):
        importer.import_contacts(SYSTEM, b"Namn\nAnna\n", overrides={"Namn": "shoe_size"})
    report = importer.import_contacts(SYSTEM, b"Namn\nAnna\n", overrides={"Namn": "first_name"})
    assert report.created == 1


def test_the_import_command_reports_and_refuses_bad_input_in_one_line(tmp_path):
    from tests.test_cli import clean_env
    from tests.test_cli import run as run_lethe

    data_dir = tmp_path / "data"
    env = clean_env(data_dir)
    run = lambda *args: run_lethe(list(args), env)  # noqa: E731
    assert run("init").returncode == 0
    good = tmp_path / "contacts.csv"
    good.write_text("Förnamn;Efternamn;E-post\nAnna;Ek;anna.ek@example.org\nBo;Berg;nope\n")
    result = run("import", "contacts", str(good), "--errors", str(tmp_path / "errors.csv"))
    assert result.returncode == 0, result.stderr
    assert "row 3: E-post (email): not a valid e-mail address" in result.stdout
    assert "1 were created" in result.stdout and "1 rows have errors" in result.stdout
    assert (tmp_path / "errors.csv").read_text().splitlines()[1].startswith("3,E-post,email,")
    for args in (
        ["import", "contacts", str(tmp_path / "missing.csv")],
        ["import", "contacts", str(good), "--owner", "nobody@lethe.example"],
        ["import", "contacts", str(good), "--map", "Förnamn"],
    ):
        result = run(*args)
        assert result.returncode != 0
        assert result.stderr.strip().startswith("lethe:") and "Traceback" not in result.stderr
        assert len(result.stderr.strip().splitlines()) == 1
