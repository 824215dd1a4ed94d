"""Blind indexes: truncation per the coincidence plan, one value per normalised identifier."""

import os

import pytest

from lethe.vault import blind
from lethe.vault.fields import FIELDS, Index


@pytest.fixture
def indexer():
    return blind.Indexer(os.urandom(32))


@pytest.mark.parametrize("index", list(Index))
def test_every_index_expects_at_least_two_rows_per_value_at_design_scale(index):
    plan = blind.PLANS[index]
    assert plan.expected_coincidence >= blind.MIN_COINCIDENCE
    # One more bit would drop below the minimum: the truncation is as long as allowed.
    assert plan.rows / 2 ** (plan.bits + 1) < blind.MIN_COINCIDENCE


def test_identifier_indexes_keep_18_bits_and_names_22_at_one_million_subjects():
    assert {i: blind.PLANS[i].bits for i in Index} == {
        Index.PERSONNUMMER: 18,
        Index.EMAIL: 18,
        Index.PHONE: 18,
        Index.NAME: 22,
    }


def test_values_fit_their_bits(indexer):
    values = {indexer.value(Index.EMAIL, f"person{i}@example.com") for i in range(2000)}
    assert max(values) < 2 ** blind.PLANS[Index.EMAIL].bits
    assert len(values) > 1900  # spread, not constant


def index_values(indexer, field, value):
    f = FIELDS[field]
    return {indexer.value(f.index, t) for t in f.index_terms(f.cleaned(value))}


@pytest.mark.parametrize(
    ("field", "variants"),
    [
        (
            "email",
            [
                "Anna.Svensson@Example.com",
                " anna.svensson@example.com ",
                "ANNA.SVENSSON@EXAMPLE.COM",
            ],
        ),
        ("phone", ["+46 70 174 06 05", "070-174 06 05", "0046701740605", "0701740605"]),
        ("identity_number", ["189001019802", "18900101-9802", "900101+9802", " 189001019802"]),
    ],
)
def test_variants_of_one_identifier_give_one_index_value(indexer, field, variants):
    values = [index_values(indexer, field, v) for v in variants]
    assert all(v == values[0] for v in values)
    assert len(values[0]) == 1


def test_different_index_kinds_use_different_keys(indexer):
    assert indexer.value(Index.EMAIL, "same") != indexer.value(Index.NAME, "same") or (
        indexer.value(Index.EMAIL, "other") != indexer.value(Index.NAME, "other")
    )


def test_another_index_key_gives_other_values():
    a, b = blind.Indexer(os.urandom(32)), blind.Indexer(os.urandom(32))
    terms = [f"t{i}" for i in range(50)]
    assert [a.value(Index.EMAIL, t) for t in terms] != [b.value(Index.EMAIL, t) for t in terms]
