"""Tests for lethe.vault.normalize: identifiers normalised before blind indexing.

Identity numbers come only from Skatteverket's published test numbers and
mutations of them; phone numbers only from PTS's ranges reserved for fiction.
"""

from __future__ import annotations

import csv
import datetime
import unicodedata
from functools import cache
from pathlib import Path

import pytest

import lethe
from lethe.vault import normalize
from lethe.vault.normalize import InvalidValue

TODAY = datetime.date(2026, 11, 27)

# Every 97th number: a spread over all years without running 41,000 cases per test.
SAMPLE_STEP = 97


@cache
def skatteverket_numbers() -> tuple[str, ...]:
    """Return Skatteverket's test personnummer shipped with Lethe, 12 digits each."""
    path = Path(lethe.__file__).parent / "data" / "testpersonnummer.csv"
    with path.open(newline="") as file:
        return tuple(row["testpersonnummer"] for row in csv.DictReader(file))


def sample() -> tuple[str, ...]:
    """Return an even spread of the test numbers."""
    return skatteverket_numbers()[::SAMPLE_STEP]


def luhn_digit(digits: str) -> str:
    """Return the Luhn check digit for `digits`, worked out independently of the module."""
    total = 0
    for position, char in enumerate(reversed(digits)):
        digit = int(char) * (2 if position % 2 == 0 else 1)
        total += digit - 9 if digit > 9 else digit
    return str(-total % 10)


def with_check_digit(first_eleven: str) -> str:
    """Complete YYYYMMDDNNN with the check digit computed over YYMMDDNNN."""
    return first_eleven + luhn_digit(first_eleven[2:])


def age(number: str, today: datetime.date) -> int:
    """Return the age at `today` of the person born on the date in a 12-digit number."""
    year, month, day = int(number[:4]), int(number[4:6]), int(number[6:8])
    return today.year - year - ((today.month, today.day) < (month, day))


def short_form(number: str, separator: str) -> str:
    """Return the YYMMDD?NNNC form of a 12-digit number."""
    return f"{number[2:8]}{separator}{number[8:]}"


# Personnummer


def test_the_test_number_file_holds_tens_of_thousands_of_12_digit_numbers():
    numbers = skatteverket_numbers()
    assert len(numbers) > 40_000
    assert all(len(number) == 12 and number.isdigit() for number in numbers)


def test_every_skatteverket_test_number_validates_and_normalises_to_itself():
    failures = [n for n in skatteverket_numbers() if normalize.personnummer(n, today=TODAY) != n]
    assert failures == []


def test_every_test_number_written_short_normalises_back_to_its_12_digit_form():
    failures = []
    checked = {"-": 0, "+": 0}
    for number in skatteverket_numbers():
        separators = ["+"] if age(number, TODAY) >= 100 else ["-", ""]
        for separator in separators:
            short = short_form(number, separator)
            if normalize.personnummer(short, today=TODAY) != number:
                failures.append(short)
        checked[separators[0]] += 1
    assert failures == []
    # Both branches must actually have been exercised by the file.
    assert checked["-"] > 1000
    assert checked["+"] > 1000


def test_the_12_digit_form_may_carry_a_separator():
    for number in sample():
        dashed = f"{number[:8]}-{number[8:]}"
        plussed = f"{number[:8]}+{number[8:]}"
        assert normalize.personnummer(dashed, today=TODAY) == number
        assert normalize.personnummer(plussed, today=TODAY) == number


def test_surrounding_whitespace_is_trimmed_from_a_personnummer():
    number = sample()[0]
    assert normalize.personnummer(f"  {short_form(number, '+')}\t\n", today=TODAY) == number
    assert normalize.personnummer(f" {number} ", today=TODAY) == number


def test_plus_applies_from_the_calendar_year_a_person_turns_100():
    # Born in December 1926: 99 on TODAY, but Skatteverket already writes "+" in 2026.
    late_1926 = [n for n in skatteverket_numbers() if n.startswith("1926") and n[4:8] > "1127"]
    assert late_1926
    for number in late_1926:
        assert age(number, TODAY) == 99
        assert normalize.personnummer(short_form(number, "+"), today=TODAY) == number
        assert normalize.personnummer(short_form(number, "-"), today=TODAY) == number


def test_a_short_number_dated_later_this_year_belongs_to_the_previous_century():
    number = next(n for n in skatteverket_numbers() if n.startswith("1926") and n[4:8] > "1127")
    assert normalize.personnummer(short_form(number, ""), today=TODAY) == number


def test_the_most_recent_century_is_chosen_for_a_short_number_without_plus():
    number = next(n for n in skatteverket_numbers() if n.startswith("2024"))
    assert normalize.personnummer(short_form(number, "-"), today=TODAY) == number
    # A hundred years earlier that same short number would have meant 1924.
    earlier = datetime.date(2025, 1, 1) - datetime.timedelta(days=365 * 100)
    assert normalize.personnummer(short_form(number, "-"), today=earlier) == "19" + number[2:]


def test_29_february_picks_its_century_before_the_date_is_checked():
    number = with_check_digit("20000229" + sample()[0][8:11])
    assert normalize.personnummer(short_form(number, "-"), today=TODAY) == number
    # In 1999 the most recent 29 February ending in 00 would be in 1900, which had none.
    with pytest.raises(InvalidValue, match="does not exist"):
        normalize.personnummer(short_form(number, "-"), today=datetime.date(1999, 6, 1))
    # Likewise "+" on TODAY means 1900, and so does the century written out.
    with pytest.raises(InvalidValue, match="does not exist"):
        normalize.personnummer(short_form(number, "+"), today=TODAY)
    with pytest.raises(InvalidValue, match="does not exist"):
        normalize.personnummer(with_check_digit("19000229" + number[8:11]), today=TODAY)


def test_a_wrong_check_digit_is_rejected():
    for number in sample():
        for wrong in set("0123456789") - {number[-1]}:
            for candidate in (number[:-1] + wrong, short_form(number[:-1] + wrong, "-")):
                with pytest.raises(InvalidValue, match="check digit is wrong"):
                    normalize.personnummer(candidate, today=TODAY)


@pytest.mark.parametrize(
    "date",
    [
        "19900230",  # 30 February
        "19900431",  # April has 30 days
        "19900001",  # month 0
        "19901301",  # month 13
        "19900100",  # day 0
        "19900132",  # day 32
        "19900145",  # between a personnummer day and a samordningsnummer day
        "19900160",  # samordningsnummer day 0
        "19900192",  # samordningsnummer day 32
        "19900290",  # samordningsnummer 30 February
    ],
)
def test_impossible_dates_are_rejected_even_with_a_correct_check_digit(date):
    number = with_check_digit(date + sample()[0][8:11])
    for candidate in (number, short_form(number, "-"), short_form(number, "+")):
        with pytest.raises(InvalidValue, match="does not exist"):
            normalize.personnummer(candidate, today=TODAY)


def test_birth_number_000_is_rejected_even_with_a_correct_check_digit():
    for number in sample():
        candidate = with_check_digit(number[:8] + "000")
        with pytest.raises(InvalidValue, match="birth number 000 is not assigned"):
            normalize.personnummer(candidate, today=TODAY)


def test_future_birth_dates_are_rejected():
    birth_number = sample()[0][8:11]
    tomorrow = with_check_digit("20261128" + birth_number)
    with pytest.raises(InvalidValue, match="in the future"):
        normalize.personnummer(tomorrow, today=TODAY)
    # The same number is fine once the day has come.
    assert normalize.personnummer(tomorrow, today=datetime.date(2026, 11, 28)) == tomorrow
    with pytest.raises(InvalidValue, match="in the future"):
        normalize.personnummer(with_check_digit("29990101" + birth_number))


def test_birth_dates_before_1870_are_rejected():
    old = with_check_digit("18691231" + sample()[0][8:11])
    with pytest.raises(InvalidValue, match="before 1870"):
        normalize.personnummer(old, today=TODAY)
    # On TODAY a "+" before "69" reaches back to 1869.
    with pytest.raises(InvalidValue, match="before 1870"):
        normalize.personnummer(short_form(old, "+"), today=TODAY)


@pytest.mark.parametrize(
    "mutate",
    [
        lambda n: n[:10] + "A" + n[11],  # a letter in the birth number
        lambda n: n[:6] + "O" + n[7:],  # the letter O for a zero
        lambda n: n[:8] + " " + n[8:],  # inner space
        lambda n: n[:8] + "/" + n[8:],  # an unknown separator
        lambda n: n[:8] + "--" + n[8:],  # doubled separator
        lambda n: n[:4] + "-" + n[4:6] + "-" + n[6:],  # separators inside the date
        lambda n: n[2:8] + "-" + n[8:] + "x",  # trailing junk
        lambda n: "\u0661" + n[1:],  # an Arabic-Indic digit
        lambda n: "",
        lambda n: "   ",
    ],
)
def test_letters_and_other_characters_are_rejected(mutate):
    with pytest.raises(InvalidValue, match="not a personal identity number"):
        normalize.personnummer(mutate(sample()[0]), today=TODAY)


@pytest.mark.parametrize("length", [1, 8, 9, 11, 13, 14])
def test_wrong_lengths_are_rejected(length):
    digits = (sample()[0] * 2)[:length]
    with pytest.raises(InvalidValue, match="not a personal identity number"):
        normalize.personnummer(digits, today=TODAY)


def test_a_personnummer_that_is_not_text_is_rejected():
    with pytest.raises(InvalidValue, match="must be text"):
        normalize.personnummer(199001011234, today=TODAY)  # type: ignore[arg-type]


def test_samordningsnummer_with_day_plus_60_are_accepted_and_keep_it():
    for number in sample():
        day = int(number[6:8]) + 60
        samordning = with_check_digit(f"{number[:6]}{day}{number[8:11]}")
        assert normalize.personnummer(samordning, today=TODAY) == samordning
        separator = "+" if age(number, TODAY) >= 100 else "-"
        short = short_form(samordning, separator)
        assert normalize.personnummer(short, today=TODAY) == samordning


def test_error_messages_are_short_and_carry_no_traceback():
    number = sample()[0]
    with pytest.raises(InvalidValue) as caught:
        normalize.personnummer(number[:-1] + str((int(number[-1]) + 1) % 10), today=TODAY)
    assert str(caught.value) == "check digit is wrong"
    assert caught.value.__cause__ is None
    assert caught.value.__suppress_context__ or caught.value.__context__ is None


# Luhn


def test_luhn_ok_accepts_test_numbers_and_rejects_changed_ones():
    for number in sample():
        assert normalize.luhn_ok(number[2:])
        assert not normalize.luhn_ok(number[2:-1] + str((int(number[-1]) + 1) % 10))


@pytest.mark.parametrize("digits", ["", "12a4", "\u0661\u0662", " 0", "-0"])
def test_luhn_ok_is_false_for_anything_but_ascii_digits(digits):
    assert not normalize.luhn_ok(digits)


def test_luhn_ok_works_for_strings_of_any_length():
    assert normalize.luhn_ok("0")
    assert normalize.luhn_ok("79927398713")  # the textbook example, 11 digits
    assert not normalize.luhn_ok("79927398710")


# Birth dates


def test_birth_date_accepts_a_date_or_an_iso_string():
    assert normalize.birth_date("1990-02-28", today=TODAY) == datetime.date(1990, 2, 28)
    assert normalize.birth_date(" 1870-01-01 ", today=TODAY) == datetime.date(1870, 1, 1)
    assert normalize.birth_date(TODAY, today=TODAY) == TODAY


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("2026-11-28", "in the future"),
        ("1869-12-31", "before 1870"),
        ("1990-02-30", "does not exist"),
        ("19900228", "use YYYY-MM-DD"),
        ("1990-W01-1", "use YYYY-MM-DD"),
        ("28/02/1990", "use YYYY-MM-DD"),
        ("", "use YYYY-MM-DD"),
        (datetime.datetime(1990, 2, 28, 12, 0), "without a time"),
        (None, "must be text"),
    ],
)
def test_birth_date_rejects_nonsense(value, message):
    with pytest.raises(InvalidValue, match=message):
        normalize.birth_date(value, today=TODAY)


# E-mail


def test_variants_of_one_email_address_give_one_value():
    variants = [
        "anna.svensson@example.se",
        "  Anna.Svensson@Example.SE ",
        "ANNA.SVENSSON@EXAMPLE.SE",
        "\tanna.svensson@example.SE\n",
    ]
    assert {normalize.email(v) for v in variants} == {"anna.svensson@example.se"}


def test_composed_and_decomposed_accents_in_an_email_domain_give_one_value():
    composed = unicodedata.normalize("NFC", "anna@EXÄMPEL.se")
    decomposed = unicodedata.normalize("NFD", "anna@EXÄMPEL.se")
    assert composed != decomposed
    assert normalize.email(composed) == normalize.email(decomposed) == "anna@exämpel.se"


def test_an_email_address_with_a_non_ascii_local_part_is_rejected():
    # Django's EmailValidator only knows ASCII local parts (no SMTPUTF8).
    with pytest.raises(InvalidValue):
        normalize.email("åsa@example.se")


@pytest.mark.parametrize(
    "value",
    [
        "",
        "   ",
        "anna",
        "anna@",
        "@example.se",
        "anna svensson@example.se",
        "anna@@example.se",
        "anna@example",
        "anna@exa mple.se",
        "a" * 320 + "@example.se",  # longer than Django's 320-character limit
        None,
    ],
)
def test_invalid_email_addresses_raise_invalid_value(value):
    with pytest.raises(InvalidValue):
        normalize.email(value)


def test_an_invalid_email_address_has_a_plain_message():
    with pytest.raises(InvalidValue, match=r"^not a valid e-mail address$"):
        normalize.email("anna@")


# Phone numbers (PTS fiction ranges only)


@pytest.mark.parametrize(
    ("variants", "expected"),
    [
        (
            [
                "070-174 06 05",
                "0701740605",
                "070-1740605",
                "070 174 06 05",
                "+46 70 174 06 05",
                "+46701740605",
                "0046701740605",
                "0046 70-174 06 05",
                "+46 (0)70 174 06 05",
                "+46(0)701740605",
                "(070) 174 06 05",
                "070.174.06.05",
                " 070/174 06 05 ",
            ],
            "+46701740605",
        ),
        (["031-390 06 50", "+46 31 390 06 50", "0046313900650"], "+46313900650"),
        (["08-465 004 50", "+46 8 465 004 50", "+46 (0)8 465 004 50"], "+46846500450"),
    ],
)
def test_variants_of_one_phone_number_give_one_value(variants, expected):
    assert {normalize.phone(v) for v in variants} == {expected}


def test_a_national_number_is_read_in_the_given_region():
    # A Swedish number written internationally means the same in any region.
    assert normalize.phone("+46 70 174 06 05", region="gb") == "+46701740605"
    with pytest.raises(InvalidValue):
        normalize.phone("070-174 06 05", region="XX")


@pytest.mark.parametrize(
    "value",
    [
        "",
        "   ",
        "abc",
        "070-174",
        "+46 70 174 06 05 12 34",
        "+999 70 174 06 05",
        "070-174 06 05 ext 12",
        "070-174 06 05#12",
        "tel:+46701740605",
        "+46 00 174 06 05",
        None,
    ],
)
def test_invalid_phone_numbers_raise_invalid_value(value):
    with pytest.raises(InvalidValue):
        normalize.phone(value)


# Names


def test_fold_removes_case_and_accents():
    assert normalize.fold("Öström") == "ostrom"
    assert normalize.fold("ÅSA") == "asa"
    assert normalize.fold("Søren") == "soren"
    assert (
        normalize.fold("Ærø Œuvre Ðóra Þór Łukasz Straße") == "aero oeuvre dora thor lukasz strasse"
    )
    assert normalize.fold(unicodedata.normalize("NFD", "Åsa Öberg")) == "asa oberg"


def test_name_tokens_split_on_anything_but_letters_and_digits():
    assert normalize.name_tokens("Anna-Karin Ek") == ["anna", "karin", "ek"]
    assert normalize.name_tokens("  O'Brien,  Seán_2 ") == ["o", "brien", "sean", "2"]
    assert normalize.name_tokens("Ek Ek ek ÉK") == ["ek"]
    assert normalize.name_tokens(" -- ") == []


def test_a_prefix_query_finds_a_name_with_accents():
    index = normalize.name_index_terms("Åsa Öström")
    assert normalize.name_query_terms("ost") == ["p:ost"]
    assert set(normalize.name_query_terms("ost")) <= index
    assert set(normalize.name_query_terms("Öström åsa")) <= index


def test_index_terms_hold_whole_words_and_prefixes_from_three_letters():
    assert normalize.name_index_terms("Öström") == {
        "w:ostrom",
        "p:ost",
        "p:ostr",
        "p:ostro",
        "p:ostrom",
    }


def test_prefixes_shorter_than_the_minimum_are_not_produced():
    terms = normalize.name_index_terms("Anna-Karin Ek")
    assert "w:ek" in terms
    assert not {t for t in terms if t.startswith("p:") and len(t) < len("p:") + 3}
    assert "p:an" not in terms
    assert "p:ek" not in terms
    assert normalize.name_index_terms("Li", min_prefix=2) == {"w:li", "p:li"}


def test_a_prefix_search_and_a_person_named_ost_are_told_apart():
    named_ost = normalize.name_index_terms("Ost")
    named_ostrom = normalize.name_index_terms("Öström")
    assert "w:ost" in named_ost
    assert "w:ost" not in named_ostrom
    # A prefix search for "ost" finds both people.
    assert "p:ost" in named_ost
    assert "p:ost" in named_ostrom


def test_short_query_tokens_only_match_whole_words():
    assert normalize.name_query_terms("Ek Anna") == ["w:ek", "p:anna"]
    assert "w:ek" in normalize.name_index_terms("Anna-Karin Ek")
    assert "w:ek" not in normalize.name_index_terms("Ekström")


@pytest.mark.parametrize("query", ["", "   ", "-- ,", "\u0301"])
def test_an_empty_query_raises_invalid_value(query):
    with pytest.raises(InvalidValue, match="enter at least one letter or digit"):
        normalize.name_query_terms(query)
