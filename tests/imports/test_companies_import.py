"""CSV import of companies: mapping, the companies form's checks, duplicates, the command."""

import csv
import io
import random

import pytest
from faker import Faker

from lethe.accounts.models import User
from lethe.audit.models import Action, AuditEvent
from lethe.companies.importer import import_companies
from lethe.companies.models import Company
from lethe.imports import engine
from lethe.vault.normalize import luhn_ok
from lethe.vault.policy import Actor
from tests.conftest import ALL
from tests.test_cli import clean_env
from tests.test_cli import run as run_lethe

pytestmark = pytest.mark.django_db(databases=ALL)

SYSTEM = Actor.system("import")


def to_csv(header, rows, delimiter=",", encoding="utf-8") -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, delimiter=delimiter)
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue().encode(encoding)


def org_numbers(n: int, seed: int = 1) -> list[str]:
    """Return n distinct valid organisation numbers (third digit 2 or more, Luhn)."""
    rng = random.Random(seed)
    found: set[str] = set()
    while len(found) < n:
        digits = f"55{rng.randrange(2, 10)}{rng.randrange(10**6):06d}"
        check = next(d for d in "0123456789" if luhn_ok(digits + d))
        found.add(f"{digits[:6]}-{digits[6:]}{check}")
    return sorted(found)


def wrong_check_digit(number: str) -> str:
    return number[:-1] + str((int(number[-1]) + 1) % 10)


@pytest.mark.parametrize(
    ("header", "field"),
    [
        ("Company name", "name"),  # HubSpot
        ("Account Name", "name"),  # Salesforce
        ("Organization - Name", "name"),  # Pipedrive
        ("Företagsnamn", "name"),
        ("Organisationsnummer", "org_number"),
        ("Org.nr", "org_number"),
        ("Company Registry", "org_number"),  # Odoo
        ("Website", "domain"),
        ("Company Domain Name", "domain"),  # HubSpot
        ("Domain", "domain"),  # Twenty
        ("Industry", "industry"),
        ("Number of employees", "size"),
        ("Antal anställda", "size"),
        ("Billing City", "city"),  # Salesforce
        ("Assigned User", "owner"),  # EspoCRM
        ("Ägare", "owner"),
        ("org_number", "org_number"),  # our own export
        ("postal_code", "postal_code"),
    ],
)
def test_other_crms_and_swedish_headers_map_automatically(header, field):
    from lethe.companies.importer import CompanyKind

    mapping = engine.automatic_mapping(CompanyKind(SYSTEM), [header])
    if header == "Organization - Name":
        # Pipedrive's prefixed headers fold to "organizationname".
        assert engine.fold(header) == "organizationname"
    assert mapping == {header: field}


def test_rows_are_checked_by_the_companies_form_and_good_ones_written():
    owner = User.objects.create_user("owner@lethe.example", "a long test password 1")
    good, other = org_numbers(2)
    data = to_csv(
        ["Företagsnamn", "Org.nr", "Webbplats", "Antal anställda", "Ägare", "Taggar", "Land"],
        [
            [
                "Exempel AB",
                good.replace("-", ""),
                "https://www.Exempel.se/",
                "120",
                "OWNER@lethe.example",
                "partner; 2026",
                "se",
            ],
            ["Fel AB", wrong_check_digit(other), "", "", "", "", ""],
            ["Person AB", "811218-9876", "", "", "", "", ""],
            ["Domän AB", "", "not a domain", "", "", "", ""],
            ["Storlek AB", "", "", "enormous", "", "", ""],
            ["Ägarlös AB", "", "", "", "nobody@lethe.example", "", ""],
            ["Land AB", "", "", "", "", "", "Sverige"],
            ["", other, "", "", "", "", ""],
        ],
        delimiter=";",
    )
    report = import_companies(SYSTEM, data)
    assert [(e.row, e.column, e.field) for e in report.errors] == [
        (3, "Org.nr", "org_number"),
        (4, "Org.nr", "org_number"),
        (5, "Webbplats", "domain"),
        (6, "Antal anställda", "size"),
        (7, "Ägare", "owner"),
        (8, "Land", "country"),
        (9, "Företagsnamn", "name"),
    ]
    assert "check digit" in report.errors[0].message
    assert "personal identity number" in report.errors[1].message
    company = Company.objects.get()
    assert (company.name, company.org_number, company.domain, company.size, company.country) == (
        "Exempel AB",
        good,
        "exempel.se",
        "50-249",
        "SE",
    )
    assert company.owner == owner
    assert sorted(company.tags.values_list("name", flat=True)) == ["2026", "partner"]
    # Row errors do not repeat what the cells held.
    assert all("811218" not in e.message and "not a domain" not in e.message for e in report.errors)


def test_checking_rows_takes_no_query_per_row(django_assert_max_num_queries):
    User.objects.create_user("owner@lethe.example", "a long test password 1")
    rows = [
        [f"Bolag {i} AB", n, f"b{i}.se", "owner@lethe.example"]
        for i, n in enumerate(org_numbers(300))
    ]
    data = to_csv(["name", "org_number", "domain", "owner"], rows)
    with django_assert_max_num_queries(12):
        report = import_companies(SYSTEM, data, dry_run=True)
    assert report.created == 300 and not report.errors


def test_a_dry_run_reports_and_writes_nothing():
    data = to_csv(["name", "org_number"], [["Torr AB", org_numbers(1)[0]]])
    report = import_companies(SYSTEM, data, dry_run=True)
    assert report.created == 1 and "would be created" in report.summary()
    assert report.preview == [(2, "new", {"name": "Torr AB", "org_number": org_numbers(1)[0]})]
    assert not Company.objects.exists()
    event = AuditEvent.objects.filter(action=Action.IMPORT).get()
    assert event.detail["dry_run"] is True and event.record_kind == "company"


def existing_and_file():
    first, second, third = org_numbers(3, seed=9)
    Company.objects.create(name="Gamla AB", org_number=first, city="Umeå")
    Company.objects.create(name="Domän AB", domain="doman.se")
    header = ["Name", "Organisationsnummer", "Domain", "City"]
    rows = [
        ["Gamla AB (nytt namn)", first, "", "Luleå"],  # the database has this number
        ["Domän AB", "", "doman.se", "Kiruna"],  # no number: the same domain is a match
        ["Ny AB", second, "ny.se", ""],
        ["Ny AB igen", second, "", ""],  # an earlier row has this number
        ["Syster AB", third, "doman.se", ""],  # own number: the domain does not matter
    ]
    return to_csv(header, rows)


def test_duplicates_are_skipped_by_default():
    report = import_companies(SYSTEM, existing_and_file())
    assert (report.created, report.updated, report.duplicates, report.skipped) == (2, 0, 3, 3)
    assert Company.objects.count() == 4
    assert Company.objects.get(name="Gamla AB").city == "Umeå"


def test_duplicates_update_the_existing_company_with_the_given_values():
    report = import_companies(SYSTEM, existing_and_file(), duplicates="update")
    assert (report.created, report.updated, report.duplicates, report.skipped) == (2, 2, 3, 1)
    renamed = Company.objects.get(org_number=org_numbers(3, seed=9)[0])
    assert (renamed.name, renamed.city) == ("Gamla AB (nytt namn)", "Luleå")
    assert Company.objects.get(domain="doman.se", org_number="").city == "Kiruna"
    assert Company.objects.count() == 4


def test_create_mode_creates_domain_duplicates_but_never_a_second_org_number():
    report = import_companies(SYSTEM, existing_and_file(), duplicates="create")
    assert [(e.row, e.field) for e in report.errors] == [(2, "org_number"), (5, "org_number")]
    assert report.errors[0].message == "another company has this organisation number"
    assert report.errors[1].message == "an earlier row has this org number"
    assert report.created == 3
    assert Company.objects.filter(domain="doman.se").count() == 3


def test_1000_rows_with_20_bad_ones_import_once_and_report_exactly_those():
    numbers = org_numbers(1000, seed=4)
    bad_lines = sorted(random.Random(5).sample(range(2, 1002), 20))
    faker = Faker("sv_SE")
    faker.seed_instance(6)
    rows = []
    for line, number in enumerate(numbers, start=2):
        domain = f"foretag{line}.example.se"
        if line in bad_lines:
            if line % 2:
                number = wrong_check_digit(number)
            else:
                domain = "exempel..se"
        rows.append([faker.company(), number, domain, faker.city()])
    data = to_csv(["Company name", "Org.nr", "Website", "City"], rows)

    report = import_companies(SYSTEM, data)
    assert [e.row for e in report.errors] == bad_lines
    assert (report.created, report.duplicates) == (980, 0)
    creates = AuditEvent.objects.filter(action=Action.CREATE, record_kind="company")
    assert creates.count() == 2  # one event per batch of 500

    again = import_companies(SYSTEM, data)
    assert (again.created, again.skipped, len(again.errors)) == (0, 980, 20)
    assert Company.objects.count() == 980


def test_latin1_files_with_tabs_and_our_own_export_headers_import():
    data = to_csv(["name", "city", "industry"], [["Åkeri AB", "Östersund", "Transport"]], "\t")
    report = import_companies(SYSTEM, data.decode().encode("latin-1"))
    assert report.created == 1 and not report.errors
    assert Company.objects.get().city == "Östersund"


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"City": "shoe_size"}, "unknown field"),
        ({"Name": "name", "City": "name"}, "two columns are mapped to name"),
        ({"Name": ""}, "no column is mapped to name"),
        ({"Nope": "name"}, "no column 'Nope'"),
    ],
)
def test_bad_mappings_are_refused_whole(overrides, message):
    data = to_csv(["Name", "City"], [["A AB", "Umeå"]])
    with pytest.raises(engine.FileRefused, match=message):
        import_companies(SYSTEM, data, overrides=overrides)
    assert not Company.objects.exists()


def test_an_unknown_duplicate_mode_is_refused():
    with pytest.raises(engine.FileRefused, match="must be one of"):
        import_companies(SYSTEM, b"name\nA AB\n", duplicates="merge")


def test_the_command_imports_companies_writes_errors_and_exits_non_zero_on_bad_input(tmp_path):
    env = clean_env(tmp_path / "data")
    run = lambda *args: run_lethe(list(args), env)  # noqa: E731
    assert run("init").returncode == 0
    good, bad = org_numbers(2)
    path = tmp_path / "companies.csv"
    path.write_text(f"Företag;Org.nr\nExempel AB;{good}\nFel AB;{wrong_check_digit(bad)}\n")
    errors = tmp_path / "errors.csv"
    result = run("import", "companies", str(path), "--dry-run")
    assert result.returncode == 0, result.stderr
    assert "dry run: 2 rows: 1 would be created" in result.stdout
    result = run("import", "companies", str(path), "--errors", str(errors))
    assert result.returncode == 0, result.stderr
    assert "row 3: Org.nr (org_number): the check digit is wrong" in result.stdout
    assert list(csv.reader(errors.open())) == [
        ["row", "column", "field", "message"],
        ["3", "Org.nr", "org_number", "the check digit is wrong"],
    ]
    result = run("import", "companies", str(path))
    assert "1 duplicates (1 were skipped)" in result.stdout
    empty = tmp_path / "empty.csv"
    empty.write_bytes(b"")
    for args in (
        ["import", "companies", str(empty)],
        ["import", "companies", str(path), "--map", "Org.nr=shoe_size"],
        ["import", "companies", str(path), "--duplicates", "merge"],
        ["import", "shoes", str(path)],
    ):
        result = run(*args)
        assert result.returncode != 0, args
        assert result.stderr.strip().startswith("lethe:") or "usage" in result.stderr
        assert "Traceback" not in result.stderr


def test_progress_counts_checking_and_writing_to_its_total():
    class Recorder:
        totals: list[int] = []
        done = 0

        def total(self, n):
            self.totals.append(n)

        def advance(self, n):
            self.done += n

    rows = [[f"Bolag {i} AB"] for i in range(1203)]
    progress = Recorder()
    import_companies(SYSTEM, to_csv(["name"], rows), progress=progress)
    assert progress.totals == [1203, 2406] and progress.done == 2406
