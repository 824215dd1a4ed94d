"""The shared import engine: decoding, separators, headers, row numbers, mapping rules."""

import pytest

from lethe.companies.importer import CompanyKind
from lethe.contacts.importer import ContactKind
from lethe.imports import engine
from lethe.vault.policy import Actor, Role

SYSTEM = Actor.system("import")


@pytest.mark.parametrize(
    ("data", "headers"),
    [
        ("Namn,Ort\nÅke AB,Umeå\n".encode(), ["Namn", "Ort"]),
        ("\ufeffNamn;Ort\r\nÅke AB;Umeå\r\n".encode(), ["Namn", "Ort"]),  # Excel's UTF-8
        ("Namn;Ort\nÅke AB;Umeå\n".encode("cp1252"), ["Namn", "Ort"]),
        ("Namn\tOrt\nÅke AB\tUmeå\n".encode("latin-1"), ["Namn", "Ort"]),
    ],
)
def test_utf8_with_or_without_bom_and_latin1_with_any_separator_read_alike(data, headers):
    table = engine.read_csv(data)
    assert table.headers == headers
    assert table.records == [(2, ["Åke AB", "Umeå"])]


def test_row_numbers_count_records_as_a_spreadsheet_does_and_skip_blank_rows():
    data = b'name,note\n"A AB","two\nlines"\n\n,\n"B AB",x\n'
    assert engine.read_csv(data).records == [(2, ["A AB", "two\nlines"]), (5, ["B AB", "x"])]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"name,name\nA,B\n", "two columns called 'name'"),
        (b",,\nname\n\n", "no rows under it"),
        ("Name\n".encode("utf-16"), "not a CSV text file"),
        (b"\xd0\xcf\x11\xe0old excel", "spreadsheet"),
    ],
)
def test_files_that_cannot_be_read_are_refused_naming_the_file(data, message):
    with pytest.raises(engine.FileRefused, match=message) as refused:
        engine.read_csv(data)
    assert refused.value.field == "file"


def test_headers_fold_case_accents_and_punctuation():
    assert engine.fold(" Org.nr ") == "orgnr"
    assert engine.fold("Förnamn") == "fornamn"
    assert engine.fold("E-post") == "epost"


def test_the_first_matching_column_wins_and_field_names_always_match():
    mapping = engine.automatic_mapping(CompanyKind(SYSTEM), ["Company", "Name", "Industry"])
    assert mapping == {"Company": "name", "Industry": "industry"}


def test_a_role_is_offered_only_the_fields_it_may_record():
    sales = Actor("user", "1", frozenset({Role.SALES}))
    support = Actor("user", "2", frozenset({Role.SUPPORT}))
    assert "identity_number" in ContactKind(SYSTEM).targets()
    assert set(ContactKind(sales).targets()) == {
        "first_name",
        "last_name",
        "email",
        "phone",
        "job_title",
        "notes",
        "company",
        "stage",
        "tags",
    }
    assert "job_title" not in ContactKind(support).targets()
    with pytest.raises(engine.FileRefused, match="unknown field 'identity_number'"):
        engine.mapping_for(ContactKind(sales), ["pnr"], {"pnr": "identity_number"})
